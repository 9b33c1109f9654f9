"""`Range` headers as Heroku documents them and its clients send them: `<field> ..; max=N;`
with a trailing semicolon (Heroku's CLI), options after `;` or `,`, every range field the
official schema lists for a list link, and `Next-Range` to page on."""

from __future__ import annotations

import uuid

import pytest
import schema_check

from localcloud.api import handlers  # noqa: F401  (registers the routes)
from localcloud.api.routing import routes


def test_every_route_accepts_the_range_fields_the_schema_lists() -> None:
    root = schema_check.load()
    listed = {
        key: link["ranges"]
        for key, links in schema_check.links(root).items()
        for link in links
        if link.get("ranges")
    }
    checked = 0
    for route in routes.routes:
        key = (route.method, schema_check.normalise(route.template))
        if key in listed:
            accepted = route.ranges or ("id", "name")
            assert set(listed[key]) <= set(accepted), f"{key}: {accepted} lacks {listed[key]}"
            checked += 1
    assert checked >= 3  # /apps, /users/{}/apps, /apps/{}/builds


@pytest.fixture
def three_apps(api):
    names = sorted(f"rng-{uuid.uuid4().hex[:8]}" for _ in range(3))
    for name in names:
        assert api.post("/apps", json={"name": name}).status_code == 201
    yield names
    for name in names:
        api.delete(f"/apps/{name}")


def _walk(api, path: str, first: str) -> list[list[str]]:
    """Every page's names, following Next-Range from the `first` Range."""
    pages, header = [], first
    while header:
        resp = api.get(path, headers={"Range": header})
        assert resp.status_code in (200, 206), resp.text
        pages.append([item["name"] for item in resp.json()])
        header = resp.headers.get("Next-Range") if resp.status_code == 206 else None
        assert (resp.status_code == 206) == bool(header)
    return pages


def test_trailing_semicolon_and_next_range(api, three_apps) -> None:
    # Heroku's CLI (lib/utils/paginator.js) sends exactly this first header.
    pages = _walk(api, "/apps", f"name {three_apps[0]}..{three_apps[-1]}; max=2;")
    assert pages == [three_apps[:2], three_apps[2:]]
    # Descending, the range runs from the highest name down to the lowest.
    pages = _walk(api, "/apps", f"name {three_apps[-1]}..{three_apps[0]}; order=desc; max=1;")
    assert pages == [[n] for n in reversed(three_apps)]
    everything = api.get("/apps", headers={"Range": "id ..; max=200;"})
    assert everything.status_code == 200
    assert set(three_apps) <= {a["name"] for a in everything.json()}


def test_each_schema_range_field_pages(api, three_apps) -> None:
    for field in ("id", "name", "updated_at"):
        resp = api.get("/users/~/apps", headers={"Range": f"{field} ..; max=1;"})
        assert resp.status_code == 206 and resp.headers["Next-Range"].startswith(f"{field} ]")
        assert len(resp.json()) == 1


def test_a_field_the_list_does_not_range_on_is_refused_by_name(api, three_apps) -> None:
    resp = api.get("/apps", headers={"Range": "stack ..; max=10;"})
    assert resp.status_code == 416
    assert resp.json()["id"] == "requested_range_not_satisfiable"
    assert "stack is not one of id, name, updated_at" in resp.json()["message"]
    bad = api.get("/apps", headers={"Range": "name ..; max=ten;"})
    assert bad.status_code == 416 and bad.json()["message"] == "Invalid max"
