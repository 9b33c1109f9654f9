"""Heroku's own CLI runs a pipeline on localcloud: create, add, info, promote (the promoted
release on production runs staging's slug; nothing is built there)."""

from __future__ import annotations

import uuid

from tests.cli.conftest import WSGIREF
from tests.localcloud import lc_sample


def test_pipelines_create_add_info_and_promote(heroku, api) -> None:
    name = f"clp-{uuid.uuid4().hex[:6]}"
    staging, production = f"{name}-st", f"{name}-pr"
    heroku("apps:create", staging)
    heroku("apps:create", production)
    try:
        source = lc_sample.source_tarball("v1", release=None, requirements="", web=WSGIREF)
        build = lc_sample.build(api, staging, source, "v1")
        assert build["status"] == "succeeded", build
        lc_sample.wait_release(api, staging, build["release"]["id"])

        created = heroku("pipelines:create", name, "-a", staging, "-s", "staging")
        assert f"Adding {staging} to {name} pipeline as staging... done" in created
        heroku("pipelines:add", name, "-a", production, "-s", "production")
        info = heroku("pipelines:info", name)
        assert [line.split() for line in info.splitlines() if name + "-" in line] == [
            [staging, "staging"], [production, "production"]]  # fmt: skip
        promoted = heroku("pipelines:promote", "-a", staging)
        assert f"Fetching apps from {name}..." in promoted
        assert f"{production}: succeeded" in promoted

        serving = [r for r in api.get(f"/apps/{production}/releases").json() if r["current"]]
        assert [r["slug"]["id"] for r in serving] == [build["slug"]["id"]]
        assert api.get(f"/apps/{production}/builds").json() == []
        assert f"Promote {staging} v" in heroku("releases", "-a", production)
    finally:
        for app in (staging, production):
            heroku("apps:destroy", app, "--confirm", app, ok=False)
        api.delete(f"/pipelines/{name}")
