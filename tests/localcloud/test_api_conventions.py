"""Heroku's API conventions as a client sees them."""

from __future__ import annotations

import uuid

import requests


def test_accept_header_is_required(localcloud, api) -> None:
    resp = requests.get(
        localcloud.api_url + "/apps",
        headers={"Authorization": f"Bearer {localcloud.api_key}"},
        timeout=10,
    )
    assert resp.status_code == 406
    assert resp.json()["id"] == "not_acceptable"


def test_sdk_variant_is_accepted(api) -> None:
    resp = api.get("/account", headers={"Accept": "application/vnd.heroku+json; version=3.sdk"})
    assert resp.status_code == 200
    assert resp.json()["email"]


def test_wrong_token_is_unauthorized(localcloud) -> None:
    resp = requests.get(
        localcloud.api_url + "/apps",
        headers={"Accept": "application/vnd.heroku+json; version=3", "Authorization": "Bearer x"},
        timeout=10,
    )
    assert resp.status_code == 401
    assert set(resp.json()) >= {"id", "message"}
    assert resp.json()["id"] == "unauthorized"


def test_every_response_has_request_id_and_rate_limit(api) -> None:
    resp = api.get("/apps")
    assert uuid.UUID(resp.headers["Request-Id"])
    remaining = int(resp.headers["RateLimit-Remaining"])
    assert 0 < remaining <= 4500
    assert api.get("/account/rate-limits").json()["remaining"] >= remaining - 5


def test_etag_gives_304(api, app) -> None:
    first = api.get(f"/apps/{app['name']}")
    again = api.get(f"/apps/{app['name']}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    api.patch(f"/apps/{app['name']}", json={"maintenance": True})
    changed = api.get(f"/apps/{app['name']}", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert changed.json()["maintenance"] is True


def test_app_names_are_validated_and_generated(api) -> None:
    for bad in ("A-upper", "1starts-with-digit", "x", "ends-with-dash-", "a" * 31):
        resp = api.post("/apps", json={"name": bad})
        assert resp.status_code == 422, bad
        assert resp.json()["id"] == "invalid_params"
    resp = api.post("/apps", json={})
    assert resp.status_code == 201
    generated = resp.json()
    assert uuid.UUID(generated["id"])
    assert generated["created_at"].endswith("Z")
    taken = api.post("/apps", json={"name": generated["name"]})
    assert taken.status_code == 422
    assert "taken" in taken.json()["message"]
    api.delete(f"/apps/{generated['name']}")


def test_unknown_app_is_not_found(api) -> None:
    resp = api.get("/apps/does-not-exist")
    assert resp.status_code == 404
    assert resp.json()["id"] == "not_found"


def test_range_pagination_with_next_range(api, app) -> None:
    for i in range(4):
        api.patch(f"/apps/{app['name']}/config-vars", json={"N": str(i)})
    first = api.get(
        f"/apps/{app['name']}/releases", headers={"Range": "version ..; max=2, order=desc"}
    )
    assert first.status_code == 206
    assert [r["version"] for r in first.json()] == [5, 4]
    rest = api.get(f"/apps/{app['name']}/releases", headers={"Range": first.headers["Next-Range"]})
    assert [r["version"] for r in rest.json()][:2] == [3, 2]
    bad = api.get(f"/apps/{app['name']}/releases", headers={"Range": "nope ..; max=2"})
    assert bad.status_code == 416


def test_requests_are_counted_per_app(api, app) -> None:
    before = api.control("GET", "/stats").json()["by_app"].get(app["name"], 0)
    api.get(f"/apps/{app['name']}/config-vars")
    api.get(f"/apps/{app['name']}")
    stats = api.control("GET", "/stats").json()
    assert stats["by_app"][app["name"]] == before + 2
    assert stats["by_app_path"][app["name"]]["GET /apps/{app}/config-vars"] >= 1
