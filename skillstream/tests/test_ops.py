"""Operational endpoints and the headers every response carries."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "cache": "ok", "storage": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert response.json()["checks"]["cache"] == "fail"
    assert response.json()["checks"]["database"] == "ok"


def test_version_reports_heroku_dyno_metadata(client, monkeypatch):
    monkeypatch.setenv("HEROKU_RELEASE_VERSION", "v7")
    monkeypatch.setenv("HEROKU_SLUG_COMMIT", "abc123")
    monkeypatch.setenv("HEROKU_RELEASE_CREATED_AT", "2026-11-26T05:00:00Z")
    body = client.get("/version").json()
    assert body["release"] == "v7"
    assert body["commit"] == "abc123"
    assert body["created_at"] == "2026-11-26T05:00:00Z"


def test_security_headers(client):
    response = client.get(reverse("videos:home"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]


def test_csrf_is_enforced(user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    response = strict.post(reverse("accounts:profile"), {"handle": "x"})
    assert response.status_code == 403


def test_anonymous_pages_are_cached_and_invalidated_by_new_content(client, user, make_video):
    assert client.get(reverse("videos:home"))["X-Page-Cache"] == "miss"
    assert client.get(reverse("videos:home"))["X-Page-Cache"] == "hit"
    assert client.get(reverse("videos:home"), {"page": 2})["X-Page-Cache"] == "miss"
    make_video(user, "Brand new")
    response = client.get(reverse("videos:home"))
    assert response["X-Page-Cache"] == "miss"
    assert b"Brand new" in response.content


def test_signed_in_pages_are_never_served_from_the_cache(auth_client):
    auth_client.get(reverse("videos:home"))
    response = auth_client.get(reverse("videos:home"))
    assert "X-Page-Cache" not in response
    assert b"Log out" in response.content


def test_static_files_are_served(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert b"--brand" in b"".join(response.streaming_content)


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_staff_moderate_in_the_admin(client, make_user, user, make_video):
    make_video(user, "Moderate me")
    client.force_login(user)
    assert client.get("/admin/videos/video/").status_code == 302  # not staff
    client.force_login(make_user(is_staff=True, is_superuser=True))
    for url in (
        "/admin/videos/video/",
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        f"/admin/accounts/user/{user.pk}/change/",
        "/admin/videos/comment/",
    ):
        assert client.get(url).status_code == 200, url
    assert b"Moderate me" in client.get("/admin/videos/video/").content


def test_staff_create_a_user_in_the_admin(client, make_user):
    from apps.accounts.models import User

    client.force_login(make_user(is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "added@example.com",
            "handle": "added",
            "usable_password": "true",
            "password1": "a-long-enough-password-1",
            "password2": "a-long-enough-password-1",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert User.objects.get(handle="added").check_password("a-long-enough-password-1")
