"""Build once, promote: the local inventory's pipeline apps against a private localcloud.

deploy.yml builds and verifies staging and provisions production without a build ->
promote.yml --check --diff says what it would promote and changes nothing -> promote.yml
runs staging's very slug on production with production's config vars -> a second promotion
of that slug is refused -> a promotion whose release phase fails on production leaves
production's release serving (after a backup, since its migrations differ) and fails naming
why -> a slug staging did not verify is refused. Bad input is refused before any API call.

Media goes to a bucket made here in moto; the other services' roles stay off (they have their
own tests), as in test_deploy_flow.py. One deploy of each app serves every test of the module.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import HerokuSession, moto_client
from tests.playbooks.conftest import REPO, Run, api_requests, get_json, run_playbook

pytestmark = pytest.mark.slow

STAGING, PRODUCTION = "skillstream-local-staging", "skillstream-local-production"
FIGURES = REPO / "tests" / "artifacts" / "promote_figures.json"


class Pipeline:
    """The local pipeline's two apps, their source snapshot and the API."""

    def __init__(self, cloud, root: Path) -> None:
        self.cloud = cloud
        self.api = HerokuSession(cloud.api_url, cloud.api_key)
        self.state = root / "state"
        self.state.mkdir()
        self.source = root / "app"
        ignore = shutil.ignore_patterns("__pycache__", "staticfiles", "media")
        shutil.copytree(REPO / "skillstream", self.source, ignore=ignore)
        bucket = "skillstream-pipeline-media"
        moto_client("s3", cloud.aws_endpoint).create_bucket(Bucket=bucket)
        self.extra = root / "extra.json"
        self.extra.write_text(json.dumps({
            "heroku_app_source_dir": str(self.source),
            "s3_media_enabled": False, "cloudfront_enabled": False,
            "monitoring_enabled": False, "backups_enabled": False,
            "s3_media_app_config": {
                "AWS_STORAGE_BUCKET_NAME": bucket, "AWS_S3_REGION_NAME": "us-east-1",
                "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_S3_ENDPOINT_URL": cloud.aws_endpoint,
            },
        }))  # fmt: skip

    def play(self, playbook: str, apps: str, *args: str, figure: str = "") -> Run:
        before = api_requests(self.cloud.api_url)
        run = run_playbook(playbook, "-e", f"@{self.extra}", "-e", f"skillstream_apps={apps}",
                           *args, state_dir=self.state)  # fmt: skip
        if figure:  # wall time and Heroku API requests, beside deploy_figures.json
            figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
            requests = api_requests(self.cloud.api_url) - before
            figures[figure] = {"seconds": round(run.seconds, 1), "rc": run.rc,
                               "heroku_api_requests": requests}  # fmt: skip
            FIGURES.parent.mkdir(parents=True, exist_ok=True)
            FIGURES.write_text(json.dumps(figures, indent=2) + "\n")
        return run

    def get(self, path: str):
        resp = self.api.get(path, headers={"Range": "id ..; max=1000"})
        assert resp.status_code < 300, resp.text
        return resp.json()

    def serving(self, app: str) -> dict:
        return next(r for r in self.get(f"/apps/{app}/releases") if r["current"])

    def slug(self, app: str) -> dict:
        return self.get(f"/apps/{app}/slugs/{self.serving(app)['slug']['id']}")

    def version(self, app: str) -> dict:
        return get_json(self.get(f"/apps/{app}")["web_url"].rstrip("/") + "/version")


@pytest.fixture(scope="module")
def pipeline(localcloud, tmp_path_factory) -> Pipeline:
    flow = Pipeline(localcloud, tmp_path_factory.mktemp("pipeline"))
    staging = flow.play("deploy.yml", STAGING, "-e", "heroku_app_version=code-a",
                        figure="deploy staging (build)")  # fmt: skip
    assert staging.rc == 0, staging.tail(8000)
    production = flow.play("deploy.yml", PRODUCTION, figure="deploy production (no build)")
    assert production.rc == 0, production.tail(8000)
    assert "this app gets its code by promotion" in production.output
    for app, stage in ((STAGING, "staging"), (PRODUCTION, "production")):
        assert flow.get(f"/apps/{app}/pipeline-couplings")["stage"] == stage
    return flow


def test_bad_input_is_refused_before_any_api_call(localcloud, tmp_path) -> None:
    cases = {
        # The default hosts: the one local app, which is on no pipeline.
        (): "skillstream-local is on no pipeline (heroku_app_pipeline is empty",
        ("-e", "skillstream_apps=local_pipeline", "-e", "promote_to=qa"):
            'promote_to "qa" is not a pipeline stage',
        ("-e", "skillstream_apps=local_pipeline", "-e", "promote_from=production",
         "-e", "promote_to=staging"): "Cannot promote from production to staging",
    }  # fmt: skip
    for args, message in cases.items():
        before = api_requests(localcloud.api_url)
        run = run_playbook("promote.yml", *args, state_dir=tmp_path)
        assert run.rc != 0, run.tail()
        assert message in " ".join(run.output.split()), run.tail()
        assert api_requests(localcloud.api_url) == before, args


def test_check_mode_says_what_it_would_promote_and_changes_nothing(pipeline: Pipeline) -> None:
    releases = pipeline.get(f"/apps/{PRODUCTION}/releases")
    run = pipeline.play(
        "promote.yml", "local_pipeline", "--check", "--diff", figure="promote --check"
    )
    assert run.rc == 0, run.tail(6000)
    slug = pipeline.slug(STAGING)
    text = " ".join(run.output.split())
    assert f"would promote {STAGING} v{pipeline.serving(STAGING)['version']}" in text
    serving = pipeline.serving(PRODUCTION)["version"]
    assert f"-    {PRODUCTION}: v{serving} (slug none)" in run.output  # nothing promoted yet
    assert f"+    {PRODUCTION}: slug {slug['id'][:8]} ({slug['commit']}) from" in run.output
    assert "[check mode: nothing was changed]" in text
    assert pipeline.get(f"/apps/{PRODUCTION}/releases") == releases


def test_promotion_runs_the_staging_slug_on_production(pipeline: Pipeline) -> None:
    run = pipeline.play("promote.yml", "local_pipeline", figure="promote")
    assert run.rc == 0, run.tail(8000)
    staged, promoted = pipeline.slug(STAGING), pipeline.slug(PRODUCTION)
    assert promoted["id"] == staged["id"]
    assert promoted["checksum"] == staged["checksum"] and staged["checksum"].startswith("SHA256:")
    assert pipeline.get(f"/apps/{PRODUCTION}/builds") == []  # production never built
    release = pipeline.serving(PRODUCTION)
    assert release["description"].startswith(f"Promote {STAGING} v")
    # The promoted release runs with production's config vars, not staging's.
    released = pipeline.get(f"/apps/{PRODUCTION}/releases/{release['id']}/config-vars")
    assert released == pipeline.get(f"/apps/{PRODUCTION}/config-vars")
    assert released["SECRET_KEY"] != pipeline.get(f"/apps/{STAGING}/config-vars")["SECRET_KEY"]
    serving = pipeline.version(PRODUCTION)
    assert serving["release"] == f"v{release['version']}"
    assert serving["commit"] == staged["commit"] and serving["commit"].startswith("code-a+m.")
    assert "Smoke test passed" in run.output
    assert f"promoted from {STAGING} v" in " ".join(run.output.split())


def test_a_slug_production_already_runs_is_refused(pipeline: Pipeline) -> None:
    before = pipeline.serving(PRODUCTION)
    run = pipeline.play("promote.yml", "local_pipeline")
    assert run.rc != 0
    assert f"{PRODUCTION} already runs slug {before['slug']['id']}" in " ".join(run.output.split())
    assert pipeline.serving(PRODUCTION)["id"] == before["id"]


def test_a_failed_release_phase_on_production_keeps_its_release_serving_after_a_backup(
    pipeline: Pipeline,
) -> None:
    # code-b brings a migration: production's database is backed up before the promotion.
    migrations = pipeline.source / "apps" / "accounts" / "migrations"
    leaf = max(p.stem for p in migrations.glob("0*.py"))
    (migrations / "0999_pipeline_noop.py").write_text(
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        f"    dependencies = [('accounts', '{leaf}')]\n    operations = []\n"
    )
    staging = pipeline.play("deploy.yml", STAGING, "-e", "heroku_app_version=code-b")
    assert staging.rc == 0, staging.tail(8000)
    before = pipeline.serving(PRODUCTION)
    fault = pipeline.api.post("/__localcloud/faults", json={"kind": "release_fail",
                                                            "app": PRODUCTION})  # fmt: skip
    assert fault.status_code == 201, fault.text
    run = pipeline.play("promote.yml", "local_pipeline")
    assert run.rc != 0
    text = " ".join(run.output.split())
    assert f"failed in its release phase; v{before['version']} keeps serving" in text, run.tail()
    assert "Nothing to roll back" in text
    assert "Migrations changed (m." in text and "of DATABASE_URL before the release phase" in text
    assert pipeline.serving(PRODUCTION)["id"] == before["id"]
    assert pipeline.version(PRODUCTION)["commit"].startswith("code-a+m.")


def test_a_slug_staging_did_not_verify_is_refused(pipeline: Pipeline) -> None:
    config = f"/apps/{STAGING}/config-vars"
    verified = pipeline.get(config)["SKILLSTREAM_VERIFIED_SLUG"]
    assert verified == pipeline.serving(STAGING)["slug"]["id"]  # the deploy recorded it
    pipeline.api.patch(config, json={"SKILLSTREAM_VERIFIED_SLUG": None}).raise_for_status()
    try:
        before = pipeline.serving(PRODUCTION)
        run = pipeline.play("promote.yml", "local_pipeline")
        assert run.rc != 0
        text = " ".join(run.output.split())
        assert "its slug did not pass the health check and the smoke test there" in text
        assert "SKILLSTREAM_VERIFIED_SLUG on skillstream-local-staging is not set" in text
        assert pipeline.serving(PRODUCTION)["id"] == before["id"]
    finally:
        pipeline.api.patch(config, json={"SKILLSTREAM_VERIFIED_SLUG": verified})
