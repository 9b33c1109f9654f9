import re

import pytest
from django.core import mail
from django.urls import reverse

from apps.accounts.models import Subscription, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_up_creates_account_logs_in_and_gives_a_channel(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the welcome mail is a job
        response = client.post(
            reverse("accounts:signup"), {"email": "New.Learner@Example.com", "password": PASSWORD}
        )
    assert response.status_code == 302
    user = User.objects.get(email="new.learner@example.com")
    assert user.handle == "new-learner"
    assert client.get(reverse("accounts:profile")).status_code == 200
    channel = client.get(reverse("accounts:channel", args=[user.handle]))
    assert channel.status_code == 200
    assert b"No videos on this channel yet" in channel.content
    (welcome,) = mail.outbox
    assert welcome.to == ["new.learner@example.com"]
    assert welcome.subject == "Welcome to SkillStream"
    assert "http://testserver/upload/" in welcome.body


def test_sign_up_rejects_a_taken_email_and_a_weak_password(client, make_user):
    make_user("taken@example.com")
    response = client.post(
        reverse("accounts:signup"), {"email": "TAKEN@example.com", "password": "x"}
    )
    assert response.status_code == 200
    assert b"An account with this email already exists" in response.content
    assert f'<a href="{reverse("accounts:login")}">Log in</a>'.encode() in response.content
    response = client.post(
        reverse("accounts:signup"), {"email": "ok@example.com", "password": "12345678"}
    )
    assert b"This password is too common" in response.content
    assert not User.objects.filter(email="ok@example.com").exists()


def test_log_in_and_out(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}, follow=True
    )
    assert response.context["user"] == user
    assert b"Welcome back" in response.content
    response = client.post(reverse("accounts:logout"), follow=True)
    assert not response.context["user"].is_authenticated


def test_login_is_rate_limited_after_five_failures(client, user):
    url = reverse("accounts:login")
    for _ in range(5):
        response = client.post(url, {"username": user.email, "password": "wrong"})
        assert response.status_code == 200
        assert b"Please enter a correct email address and password" in response.content
    response = client.post(url, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert response["Retry-After"] == "300"
    # Another account from the same address is a different key.
    other = User.objects.create_user("other@example.com", PASSWORD)
    assert client.post(url, {"username": other.email, "password": PASSWORD}).status_code == 302


def test_accounts_created_per_address_are_capped_per_hour(client, settings):
    settings.RATELIMIT_SIGNUPS_PER_HOUR = 2
    url = reverse("accounts:signup")
    for n in range(2):
        response = client.post(url, {"email": f"ok{n}@example.com", "password": PASSWORD})
        assert response.status_code == 302
        client.logout()
    response = client.post(url, {"email": "third@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert not User.objects.filter(email="third@example.com").exists()


def test_failed_sign_ups_are_rate_limited_per_address(client):
    url = reverse("accounts:signup")
    for n in range(5):
        client.post(url, {"email": f"bad{n}", "password": "x"})
    response = client.post(url, {"email": "fine@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert not User.objects.filter(email="fine@example.com").exists()


def test_password_reset_by_email(client, user):
    response = client.post(reverse("accounts:password_reset"), {"email": user.email}, follow=True)
    assert b"Check your email" in response.content
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    new_password = "a-brand-new-secret-42"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert b"Password changed" in done.content
    assert client.login(username=user.email, password=new_password)


def test_password_reset_for_unknown_email_sends_nothing(client):
    client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert mail.outbox == []


def test_profile_edit_changes_name_handle_and_bio(auth_client, user):
    response = auth_client.post(
        reverse("accounts:profile"),
        {"display_name": "Ada L.", "handle": "ada", "bio": "I teach <b>Django</b>."},
        follow=True,
    )
    assert response.request["PATH_INFO"] == "/c/ada/"
    assert b"Ada L." in response.content
    assert b"I teach &lt;b&gt;Django&lt;/b&gt;." in response.content  # user HTML is escaped


def test_profile_handle_must_be_free(auth_client, make_user):
    make_user("b@example.com", handle="bob")
    response = auth_client.post(reverse("accounts:profile"), {"handle": "bob"})
    assert b"That handle is taken" in response.content


def test_channel_lists_only_published_videos_and_counts_subscribers(
    client, user, make_user, make_video
):
    make_video(user, "Published lesson")
    make_video(user, "Still processing", status="processing")
    Subscription.objects.create(subscriber=make_user(), channel=user)
    response = client.get(reverse("accounts:channel", args=[user.handle]))
    assert b"Published lesson" in response.content
    assert b"Still processing" not in response.content
    assert b"1 subscriber" in response.content


def test_unknown_channel_is_404(client):
    assert client.get(reverse("accounts:channel", args=["nobody"])).status_code == 404


def test_subscribe_and_unsubscribe(client, user, make_user):
    fan = make_user("fan@example.com")
    client.force_login(fan)
    url = reverse("accounts:subscribe", args=[user.handle])
    response = client.post(url, follow=True)
    assert b"Subscribed to Ada Creator" in response.content
    assert Subscription.objects.filter(subscriber=fan, channel=user).exists()
    client.post(url, {"action": "unsubscribe"})
    assert not Subscription.objects.filter(subscriber=fan, channel=user).exists()


def test_cannot_subscribe_to_own_channel(auth_client, user):
    response = auth_client.post(reverse("accounts:subscribe", args=[user.handle]), follow=True)
    assert b"can&#x27;t subscribe to your own channel" in response.content
    assert not Subscription.objects.exists()


def test_subscribe_requires_login_and_post(client, user):
    url = reverse("accounts:subscribe", args=[user.handle])
    assert client.post(url)["Location"].startswith(reverse("accounts:login"))
    client.force_login(user)
    assert client.get(url).status_code == 405


def test_subscribe_next_cannot_redirect_off_site(client, user, make_user):
    client.force_login(make_user())
    url = reverse("accounts:subscribe", args=[user.handle])
    response = client.post(url, {"next": "https://evil.example/phish"})
    assert response["Location"] == user.get_absolute_url()


def test_behind_herokus_router_the_last_forwarded_address_is_the_client(rf, settings):
    from apps.core.ratelimit import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.1.2.3")
    settings.RATELIMIT_TRUST_FORWARDED_FOR = True
    assert client_ip(request) == "203.0.113.9"  # the client cannot forge the router's entry
    settings.RATELIMIT_TRUST_FORWARDED_FOR = False
    assert client_ip(request) == "10.1.2.3"


def test_rotating_a_forged_forwarded_for_does_not_escape_the_login_limit(client, user, settings):
    settings.RATELIMIT_TRUST_FORWARDED_FOR = True
    url = reverse("accounts:login")
    for n in range(5):
        client.post(
            url,
            {"username": user.email, "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.9",
        )
    response = client.post(
        url,
        {"username": user.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.77, 203.0.113.9",
    )
    assert response.status_code == 429


def test_password_reset_is_rate_limited_per_address(client, user):
    url = reverse("accounts:password_reset")
    for _ in range(5):
        assert client.post(url, {"email": user.email}).status_code == 302
    assert client.post(url, {"email": user.email}).status_code == 429
    assert len(mail.outbox) == 5
