"""The watch page and the studio are rendered once and served from the cache, each viewer's
own parts (who they are, liked, subscribed, their delete buttons, CSRF token) filled in per
request; what a viewer changes shows to them at once."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from redis.connection import AbstractConnection

from apps.accounts.models import Subscription
from apps.videos.models import Comment, Like
from apps.videos.view_counts import fold_views, pending_views

pytestmark = pytest.mark.django_db


def _get(client, url: str, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


@pytest.fixture
def watched(user, make_user, make_video):
    """A video with a comment by a fan and one by the owner, seen once so it is cached."""
    video = make_video(user)
    fan = make_user("fan@example.com", display_name="Fan")
    Comment.objects.create(video=video, author=fan, body="By the fan")
    Comment.objects.create(video=video, author=user, body="By the owner")
    assert Client().get(video.get_absolute_url())["X-Page-Cache"] == "miss"
    return video, fan


def _delete_buttons(response) -> int:
    return response.content.decode().count(">Delete</button>")


def test_an_anonymous_view_of_a_cached_page_makes_no_query(client, watched, monkeypatch):
    video, _ = watched
    round_trips = []
    send = AbstractConnection.send_packed_command
    monkeypatch.setattr(
        AbstractConnection,
        "send_packed_command",
        lambda self, *args, **kwargs: round_trips.append(1) or send(self, *args, **kwargs),
    )
    response, queries = _get(client, video.get_absolute_url())
    monkeypatch.undo()
    assert response["X-Page-Cache"] == "hit" and queries == 0
    assert len(round_trips) == 1  # the page, its generations and the view, in one script
    assert pending_views() == {video.pk: 2}  # the fixture's visitor and this one
    content = response.content.decode()
    assert "By the fan" in content and "Log in</a> to join the conversation" in content
    assert "csrfmiddlewaretoken" not in content and "Log out" not in content
    assert _delete_buttons(response) == 0


def test_a_signed_in_view_of_a_cached_page_is_theirs(client, watched, make_user):
    video, fan = watched
    Like.objects.create(user=fan, video=video)
    Subscription.objects.create(subscriber=fan, channel=video.owner)
    Client().get(video.get_absolute_url())  # cached again after the like
    client.force_login(fan)
    response, queries = _get(client, video.get_absolute_url())
    assert response["X-Page-Cache"] == "hit"
    assert queries == 2  # the session's user and unread notifications; liked and subscribed
    content = response.content.decode()
    assert "Liked · 1" in content and "Subscribed ✓" in content and "Log out" in content
    assert _delete_buttons(response) == 1  # their own comment only
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(fan)
    strict.cookies.load(client.cookies)
    liked = strict.post(
        reverse("videos:like", args=[video.pk]), {"csrfmiddlewaretoken": token}, follow=True
    )
    assert "Like · 0" in liked.content.decode()  # unliked, shown at once to the fan

    client.force_login(video.owner)
    response, _ = _get(client, video.get_absolute_url())
    assert _delete_buttons(response) == 2 and ">Edit</a>" in response.content.decode()
    assert "Subscribe</button>" not in response.content.decode()
    client.force_login(make_user())
    response, _ = _get(client, video.get_absolute_url())
    assert _delete_buttons(response) == 0 and "Subscribe</button>" in response.content.decode()


def test_a_new_comment_shows_to_its_author_and_to_others_at_once(client, watched):
    video, fan = watched
    anonymous = Client()
    assert anonymous.get(video.get_absolute_url())["X-Page-Cache"] == "hit"
    client.force_login(fan)
    response = client.post(
        reverse("videos:comment", args=[video.pk]), {"body": "Fresh thought"}, follow=True
    )
    assert "Fresh thought" in response.content.decode()
    assert "Comment posted." in response.content.decode()  # the author's message, theirs only
    seen = anonymous.get(video.get_absolute_url())
    assert "Fresh thought" in seen.content.decode() and "3 comments" in seen.content.decode()
    assert "Comment posted." not in seen.content.decode()


def test_the_studio_is_served_from_the_cache_until_its_figures_change(client, watched):
    video, _ = watched
    client.force_login(video.owner)
    studio = reverse("videos:dashboard")
    first, rendered = _get(client, studio)
    second, cached = _get(client, studio)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert cached < rendered and cached == 0  # the user and unread count come from the cache
    assert "0 views ·" in second.content.decode()  # the visit in the fixture is not folded yet

    assert fold_views() == 1
    after_fold, _ = _get(client, studio)
    assert after_fold["X-Page-Cache"] == "miss"
    assert "1 view · 0 likes · 2 comments" in after_fold.content.decode()


def test_a_session_whose_user_is_gone_is_anonymous(client, watched, make_user):
    """The session's user is loaded by primary key in plain SQL (UserManager.get)."""
    video, _ = watched
    leaving = make_user()
    client.force_login(leaving)
    assert "Log out" in client.get(video.get_absolute_url()).content.decode()
    leaving.delete()
    content = client.get(video.get_absolute_url()).content.decode()
    assert "Log out" not in content and "Log in</a> to join the conversation" in content


def _without_tokens(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "token", response.content.decode())


def test_parts_reused_between_viewers_are_what_each_would_get_rendered(
    client, watched, make_user, settings
):
    """A part declaring `varies_on` is rendered once per combination of what it reads and
    reused: every viewer still gets exactly the page rendered for them alone."""
    from apps.core import per_viewer

    video, fan = watched
    Like.objects.create(user=fan, video=video)
    Subscription.objects.create(subscriber=fan, channel=video.owner)
    viewers = [video.owner, fan, make_user(), make_user(), None]
    url = video.get_absolute_url()
    for round_ in range(3):  # the later rounds reuse what the first rendered
        if round_ == 1:  # the same viewer with other facts
            Like.objects.filter(user=fan).delete()
            Subscription.objects.filter(subscriber=fan).delete()
        for viewer in viewers:
            if viewer is None:
                client.logout()
            else:
                client.force_login(viewer)
            reused = client.get(url)
            settings.DEBUG = True  # as in development: every part rendered for this viewer
            rendered = client.get(url)
            settings.DEBUG = False
            assert _without_tokens(reused) == _without_tokens(rendered)
    client.force_login(fan)
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(url).content.decode()
    )
    assert token and per_viewer.CSRF_PLACEHOLDER not in client.get(url).content.decode()
