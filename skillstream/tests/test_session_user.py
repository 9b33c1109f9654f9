"""The signed-in user and their own facts (unread notifications, liked, subscribed) come from
the cache (apps.accounts.session_user): a repeat view of a cached page makes no query, and
nothing the viewer or anyone else changes is hidden by it: a new password still ends the other
sessions, a like, a subscription, a profile edit or a notification shows at once."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from redis.connection import AbstractConnection

from apps.accounts.models import Subscription
from apps.core.cache import bump_now_and_on_commit, redis_client
from apps.notifications.models import Notification
from apps.notifications.services import notify_new_video
from apps.videos.models import Like
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(user, make_video):
    video = make_video(user)
    Client().get(video.get_absolute_url())  # cached
    return video


@pytest.fixture
def fan(make_user):
    return make_user("fan@example.com", display_name="Fan")


def _login(user) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def _counted(client: Client, url: str, monkeypatch) -> tuple[str, int, int]:
    """(the page, queries, Redis round trips) of one GET."""
    round_trips = []
    send = AbstractConnection.send_packed_command
    monkeypatch.setattr(
        AbstractConnection,
        "send_packed_command",
        lambda self, *args, **kwargs: round_trips.append(1) or send(self, *args, **kwargs),
    )
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    monkeypatch.undo()
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries), len(round_trips)


def test_a_repeat_signed_in_view_makes_no_query_and_one_round_trip(video, fan, monkeypatch):
    client = _login(fan)
    _counted(client, video.get_absolute_url(), monkeypatch)  # the user and facts cached
    page, queries, round_trips = _counted(client, video.get_absolute_url(), monkeypatch)
    assert "Log out" in page and "Like · 0" in page and "Subscribe</button>" in page
    # The session, the page, its generations, the user, their facts and the view, in one.
    assert (queries, round_trips) == (0, 1 if redis_client() else 0)
    studio = reverse("videos:dashboard")
    _counted(_login(video.owner), studio, monkeypatch)
    owner = _login(video.owner)
    _counted(owner, studio, monkeypatch)
    page, queries, round_trips = _counted(owner, studio, monkeypatch)
    assert "Studio" in page and (queries, round_trips) == (0, 1 if redis_client() else 0)


def test_a_new_password_ends_the_other_sessions_at_once(video, fan):
    other_device = _login(fan)
    assert "Log out" in other_device.get(video.get_absolute_url()).content.decode()
    fan.set_password(PASSWORD + "-new")
    fan.save()
    page = other_device.get(video.get_absolute_url()).content.decode()
    assert "Log out" not in page and "Log in</a> to join the conversation" in page
    assert SESSION_KEY not in other_device.session  # flushed, as Django does
    assert other_device.get(reverse("videos:dashboard")).status_code == 302
    # Through the password reset too: the reset link ends the session signed in before.
    this_device = Client()
    assert this_device.login(username=fan.email, password=PASSWORD + "-new")
    assert "Log out" in this_device.get(video.get_absolute_url()).content.decode()
    reset_by_mail = Client()
    reset_by_mail.post(reverse("accounts:password_reset"), {"email": fan.email})
    from django.core import mail

    link = next(line for line in mail.outbox[-1].body.splitlines() if "/reset/" in line)
    form = reset_by_mail.get(link.strip(), follow=True)
    new = "yet-another-passphrase-7"
    reset_by_mail.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert "Log out" not in this_device.get(video.get_absolute_url()).content.decode()
    assert reset_by_mail.login(username=fan.email, password=new)


def test_a_like_and_a_subscription_show_at_once_to_their_author(video, fan):
    client = _login(fan)
    page = client.get(video.get_absolute_url()).content.decode()
    assert "Like · 0" in page and "Subscribe</button>" in page
    liked = client.post(reverse("videos:like", args=[video.pk]), follow=True)
    assert "Liked · 1" in liked.content.decode()
    subscribed = client.post(
        reverse("accounts:subscribe", args=[video.owner.handle]),
        {"next": video.get_absolute_url()},
        follow=True,
    )
    assert "Subscribed ✓" in subscribed.content.decode()
    assert "Liked · 1" in subscribed.content.decode()
    # Changed behind the views (the admin, a shell): shown at once as well.
    Like.objects.filter(user=fan, video=video).delete()
    Subscription.objects.filter(subscriber=fan).delete()
    page = client.get(video.get_absolute_url()).content.decode()
    assert "Like · 0" in page and "Subscribe</button>" in page


def test_a_profile_edit_shows_at_once_in_the_navigation(video, fan):
    client = _login(fan)
    assert f'href="/c/{fan.handle}/"' in client.get(video.get_absolute_url()).content.decode()
    client.post(reverse("accounts:profile"), {"display_name": "Fan", "handle": "new-handle"})
    assert 'href="/c/new-handle/"' in client.get(video.get_absolute_url()).content.decode()


def test_unread_notifications_show_when_sent_and_go_when_read(video, fan, make_video):
    client = _login(fan)
    assert 'class="badge"' not in client.get(video.get_absolute_url()).content.decode()
    Subscription.objects.create(subscriber=fan, channel=video.owner)
    notify_new_video(make_video(video.owner, "Second lesson"), "http://testserver/")
    page = client.get(video.get_absolute_url()).content.decode()
    assert '<span class="badge">1</span>' in page
    client.get(reverse("notifications"))  # read
    assert 'class="badge"' not in client.get(video.get_absolute_url()).content.decode()
    third = make_video(video.owner, "Third")
    Notification.objects.create(recipient=fan, video=third)
    studio = client.get(reverse("videos:dashboard")).content.decode()
    assert '<span class="badge">1</span>' in studio
    third.delete()  # its notification with it
    assert 'class="badge"' not in client.get(reverse("videos:dashboard")).content.decode()


def test_a_deleted_or_deactivated_user_is_signed_out(video, fan):
    client = _login(fan)
    assert "Log out" in client.get(video.get_absolute_url()).content.decode()
    fan.is_active = False
    fan.save()
    assert "Log out" not in client.get(video.get_absolute_url()).content.decode()


def test_a_change_bumps_again_when_its_transaction_commits(django_capture_on_commit_callbacks, fan):
    from django.core.cache import cache

    from apps.accounts.session_user import generation_key

    key = generation_key(fan.pk)
    before = cache.get(key, 0)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bump_now_and_on_commit(key)
        assert cache.get(key) == before + 1  # at once: this request sees its change
    assert len(callbacks) == 1 and cache.get(key) == before + 2  # and after the commit


def test_the_hint_beside_the_session_only_says_what_to_read(video, fan, make_user, monkeypatch):
    """The user's id stored beside the session (apps.accounts.sessions) picks the keys read
    with the page; who is signed in is still the session's: a session without a hint (saved
    before there were hints) or with a wrong one gets its own user, in a second round trip."""
    from django.core.cache import cache

    from apps.accounts.sessions import HINT_PREFIX

    if redis_client() is None:
        pytest.skip("hints are read by the Redis script (SKILLSTREAM_TEST_DB=sqlite has none)")
    client = _login(fan)
    hint = HINT_PREFIX + client.session.session_key
    assert cache.get(hint) == fan.pk
    url = video.get_absolute_url()
    client.get(url)
    cache.delete(hint)
    page, queries, round_trips = _counted(client, url, monkeypatch)
    assert "Log out" in page and f'href="/c/{fan.handle}/"' in page
    assert (queries, round_trips) == (0, 2)
    other = make_user(display_name="Someone else")
    _login(other).get(url)  # their row and facts are cached
    cache.set(hint, other.pk)
    page, queries, round_trips = _counted(client, url, monkeypatch)
    assert f'href="/c/{fan.handle}/"' in page and f'href="/c/{other.handle}/"' not in page
    assert (queries, round_trips) == (0, 2)
    client.post(reverse("accounts:logout"))
    assert cache.get(hint) is None
    page = client.get(url).content.decode()
    assert "Log out" not in page and "Log in</a> to join the conversation" in page
