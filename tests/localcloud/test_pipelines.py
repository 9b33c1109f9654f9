"""Pipelines: a promotion releases the source's very slug on the target with the target's config
vars and release phase, builds nothing there, and a failed release phase keeps the target's
serving release."""

from __future__ import annotations

import uuid
from typing import Any

import lc_sample as sample
import pytest
from conftest import wait_for


@pytest.fixture
def pipeline(api) -> dict[str, Any]:
    """A pipeline with a staging and a production app (each with its own GREETING)."""
    name = f"p-{uuid.uuid4().hex[:8]}"
    pipe = api.post("/pipelines", json={"name": name}).json()
    apps = {}
    for stage in ("staging", "production"):
        app = api.post("/apps", json={"name": f"{name}-{stage[:4]}"}).json()
        api.patch(f"/apps/{app['name']}/config-vars", json={"GREETING": f"hello-{stage}"})
        couple = {"app": app["name"], "pipeline": pipe["id"], "stage": stage}
        coupled = api.post("/pipeline-couplings", json=couple)
        assert coupled.status_code == 201, coupled.text
        apps[stage] = app
    yield {"pipeline": pipe, **apps}
    for app in apps.values():
        api.delete(f"/apps/{app['id']}")
    api.delete(f"/pipelines/{pipe['id']}")


def _promote(api, pipeline: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    resp = api.post("/pipeline-promotions", json={
        "pipeline": {"id": pipeline["pipeline"]["id"]},
        "source": {"app": {"id": pipeline["staging"]["id"]}},
        "targets": [{"app": {"id": pipeline["production"]["id"]}}],
    })  # fmt: skip
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == "pending"
    path = f"/pipeline-promotions/{resp.json()['id']}"
    done = wait_for(lambda: (p := api.get(path).json())["status"] == "completed" and p, 180)
    return done, api.get(f"{path}/promotion-targets").json()


def _serving(api, app: str) -> dict[str, Any]:
    return next(r for r in api.get(f"/apps/{app}/releases").json() if r["current"])


def test_promotion_releases_the_same_slug_with_the_targets_config(api, pipeline) -> None:
    staging, production = pipeline["staging"]["name"], pipeline["production"]["name"]
    built = sample.build(api, staging, sample.source_tarball("one"), "c0ffee1")
    assert sample.wait_release(api, staging, built["release"]["id"])["status"] == "succeeded"
    staged_slug = api.get(f"/apps/{staging}/slugs/{built['slug']['id']}").json()
    assert staged_slug["checksum"].startswith("SHA256:")

    promotion, targets = _promote(api, pipeline)

    assert promotion["source"]["release"]["id"] == built["release"]["id"]
    assert [(t["status"], t["error_message"]) for t in targets] == [("succeeded", None)]
    release = api.get(f"/apps/{production}/releases/{targets[0]['release']['id']}").json()
    assert release["current"] and release["slug"]["id"] == built["slug"]["id"]
    assert release["description"].startswith(f"Promote {staging} v")
    promoted_slug = api.get(f"/apps/{production}/slugs/{release['slug']['id']}").json()
    assert promoted_slug["checksum"] == staged_slug["checksum"]
    assert api.get(f"/apps/{production}/builds").json() == []  # nothing was built there
    assert "migrated" in sample.requests.get(release["output_stream_url"], timeout=30).text
    page = sample.wait_page(pipeline["production"]["web_url"], "one hello-production")
    assert page.startswith("one hello-production web.")


def test_failed_release_phase_on_the_target_keeps_its_serving_release(api, pipeline) -> None:
    staging, production = pipeline["staging"]["name"], pipeline["production"]["name"]
    first = sample.build(api, staging, sample.source_tarball("one"), "1111")
    sample.wait_release(api, staging, first["release"]["id"])
    assert _promote(api, pipeline)[1][0]["status"] == "succeeded"
    before = _serving(api, production)
    second = sample.build(api, staging, sample.source_tarball("two"), "2222")
    assert sample.wait_release(api, staging, second["release"]["id"])["status"] == "succeeded"
    fault = api.control("POST", "/faults", json={"kind": "release_fail", "app": production})
    assert fault.status_code == 201, fault.text

    promotion, targets = _promote(api, pipeline)

    assert promotion["status"] == "completed"
    assert targets[0]["status"] == "failed"
    assert f"v{before['version']} keeps serving" in targets[0]["error_message"]
    assert _serving(api, production)["id"] == before["id"]
    for _ in range(3):
        assert sample.page(pipeline["production"]["web_url"]).text.startswith("one ")


def test_promotion_refuses_apps_outside_the_pipeline_and_bad_stages(api, pipeline, app) -> None:
    pipe = pipeline["pipeline"]
    couple = {"app": app["name"], "pipeline": pipe["id"], "stage": "qa"}
    bad_stage = api.post("/pipeline-couplings", json=couple)
    assert bad_stage.status_code == 422 and "Stage must be one of" in bad_stage.json()["message"]
    twice = api.post("/pipeline-couplings", json={
        "app": pipeline["staging"]["name"], "pipeline": pipe["id"], "stage": "review"})  # fmt: skip
    assert twice.status_code == 422 and "already a member" in twice.json()["message"]
    outsider = api.post("/pipeline-promotions", json={
        "pipeline": {"id": pipe["id"]}, "source": {"app": {"id": app["id"]}},
        "targets": [{"app": {"id": pipeline["production"]["id"]}}],
    })  # fmt: skip
    assert outsider.status_code == 422
    assert "is not a member of this pipeline" in outsider.json()["message"]
    nothing = api.post("/pipeline-promotions", json={
        "pipeline": {"id": pipe["id"]}, "source": {"app": {"id": pipeline["staging"]["id"]}},
        "targets": [{"app": {"id": pipeline["production"]["id"]}}],
    })  # fmt: skip
    assert nothing.status_code == 422 and "no released slug" in nothing.json()["message"]
    assert api.get(f"/apps/{app['name']}/pipeline-couplings").status_code == 404
