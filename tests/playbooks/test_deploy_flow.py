"""The whole deploy against a private localcloud, in the order a team lives it:

first deploy serving -> a no-op deploy takes the fast path (nothing changed since the
verified deploy: every role skipped, the release checked) and, with the fast path off,
runs every role and changes nothing -> a code change released (only the source changed:
provisioning skipped) -> rollback.yml brings the
previous code back -> a broken revision rolled back by deploy.yml itself while the previous
release keeps serving -> check mode shows the drift of a config var changed by hand and
changes nothing -> ... -> a config var changed by hand makes the next deploy run in full and
put it back.

The app deploys from a snapshot of skillstream/ (other work may edit the tree meanwhile).
Media goes to a bucket made here in localcloud's moto; the roles of the other services
(s3_media, cloudfront, monitoring, backups) have their own tests and stay off. Wall time and
Heroku API requests of each step land in tests/artifacts/deploy_figures.json.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.conftest import moto_client
from tests.playbooks.conftest import REPO, Run, api_requests, get_json, run_playbook

pytestmark = pytest.mark.slow

APP = "skillstream-pbtest"
FIGURES = REPO / "tests" / "artifacts" / "deploy_figures.json"


class Flow:
    """What the steps share: the localcloud, the source snapshot, the figures."""

    def __init__(self, cloud, root: Path) -> None:
        self.cloud = cloud
        self.root = root
        self.state = root / "state"
        self.state.mkdir()
        self.source = root / "app"
        shutil.copytree(
            REPO / "skillstream",
            self.source,
            ignore=shutil.ignore_patterns("__pycache__", "staticfiles", "media", "db.sqlite3"),
        )
        self.bucket = f"{APP}-media"
        s3 = moto_client("s3", cloud.aws_endpoint)
        s3.create_bucket(Bucket=self.bucket)
        self.extra = root / "extra.json"
        self.extra.write_text(
            json.dumps(
                {
                    "heroku_app_name": APP,
                    "heroku_app_source_dir": str(self.source),
                    "s3_media_enabled": False,
                    "cloudfront_enabled": False,
                    "monitoring_enabled": False,
                    "backups_enabled": False,
                    "s3_media_app_config": {
                        "AWS_STORAGE_BUCKET_NAME": self.bucket,
                        "AWS_S3_REGION_NAME": "us-east-1",
                        "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_S3_ENDPOINT_URL": cloud.aws_endpoint,
                    },
                }
            )
        )
        self.figures: dict[str, dict] = {}

    def playbook(self, name: str, *args: str, figure: str | None = None) -> Run:
        before = api_requests(self.cloud.api_url)
        run = run_playbook(name, "-e", f"@{self.extra}", *args, state_dir=self.state)
        if figure:
            self.figures[figure] = {
                "seconds": round(run.seconds, 1),
                "heroku_api_requests": api_requests(self.cloud.api_url) - before,
                "changed": run.changed,
                "rc": run.rc,
            }
            FIGURES.parent.mkdir(parents=True, exist_ok=True)
            FIGURES.write_text(json.dumps(self.figures, indent=2) + "\n")
        return run

    def api(self, path: str, method: str = "GET", body: dict | None = None, rng: str = ""):
        request = urllib.request.Request(
            f"{self.cloud.api_url}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Accept": "application/vnd.heroku+json; version=3",
                "Authorization": f"Bearer {self.cloud.api_key}",
                "Content-Type": "application/json",
                **({"Range": rng} if rng else {}),
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def releases(self) -> list[dict]:
        releases = self.api(f"/apps/{APP}/releases", rng="version ..; max=1000")
        return sorted(releases, key=lambda r: r["version"])

    def builds(self) -> list[dict]:
        return self.api(f"/apps/{APP}/builds", rng="created_at ..; max=1000")

    def web_url(self) -> str:
        return self.api(f"/apps/{APP}")["web_url"].rstrip("/") + "/"

    def version(self) -> dict:
        return get_json(self.web_url() + "version")


@pytest.fixture(scope="module")
def flow(localcloud, tmp_path_factory) -> Flow:
    return Flow(localcloud, tmp_path_factory.mktemp("deploy-flow"))


def test_first_deploy_serves_the_app(flow: Flow) -> None:
    run = flow.playbook("deploy.yml", "-e", "heroku_app_version=code-a", figure="first deploy")
    assert run.rc == 0, run.tail(8000)
    serving = flow.version()
    current = flow.releases()[-1]
    assert serving["release"] == f"v{current['version']}"
    assert serving["commit"].startswith("code-a+m.")
    assert get_json(flow.web_url() + "healthz")["status"] == "ok"
    assert "Smoke test passed" in run.output
    assert f"URL:       {flow.web_url()}" in run.output


def test_second_deploy_takes_the_fast_path(flow: Flow) -> None:
    releases, builds = len(flow.releases()), len(flow.builds())
    run = flow.playbook("deploy.yml", "-e", "heroku_app_version=code-a", figure="no-op deploy")
    assert run.rc == 0, run.tail()
    assert run.changed == 0, run.output
    assert (len(flow.releases()), len(flow.builds())) == (releases, builds)
    text = " ".join(run.output.split())
    assert "Unchanged: variables, code, source, Heroku and AWS as the deploy verified at" in text
    assert f"Release: {flow.version()['release']}" in text, run.tail()
    # Every play after the fast path had no host: no role ran, no lock was taken.
    assert run.output.count("skipping: no hosts matched") == 5, run.output
    assert "Take the deploy lock" not in run.output


def test_with_the_fast_path_off_every_role_runs_and_changes_nothing(flow: Flow) -> None:
    releases, builds = len(flow.releases()), len(flow.builds())
    run = flow.playbook(
        "deploy.yml", "-e", "heroku_app_version=code-a", "-e", "skillstream_deploy_fast_path=false",
        figure="no-op deploy, every role",
    )  # fmt: skip
    assert run.rc == 0, run.tail()
    assert run.changed == 0, run.output
    assert (len(flow.releases()), len(flow.builds())) == (releases, builds)
    assert "Deploying in full: skillstream_deploy_fast_path is false" in " ".join(
        run.output.split()
    )
    assert "no build: the source is unchanged" in run.output


def test_a_lock_left_behind_makes_the_deploy_run_in_full_and_take_it_over(flow: Flow) -> None:
    # The fast path takes no lock: a lock that exists means a run is going on or crashed, and
    # only the full deploy knows how to wait for it or take it over.
    lock = flow.state / "skillstream" / "locks" / f"{APP}.lock"
    lock.mkdir(parents=True)
    (lock / "owner.json").write_text(
        json.dumps({"pid": 2**22 + 1, "host": socket.gethostname(), "started": "1",
                    "purpose": "deploy", "since": "2026-01-01T00:00:00Z",
                    "expires": time.time() + 3600})
    )  # fmt: skip
    run = flow.playbook("deploy.yml", "-e", "heroku_app_version=code-a")
    assert run.rc == 0, run.tail()
    text = " ".join(run.output.split())
    assert "Deploying in full: a deploy lock is held or was left behind" in text, run.tail()
    assert "Took over the lock" in text, run.tail()
    assert not lock.exists()


def test_a_code_change_is_released(flow: Flow) -> None:
    # Only the source changed since the verified deploy above, and Heroku holds what it left:
    # the fast path skips provisioning and the config call; the build, release and checks run.
    before = flow.version()["release"]
    releases = len(flow.releases())
    (flow.source / "config" / "urls.py").write_text(
        (flow.source / "config" / "urls.py").read_text() + "\n# code-b\n"
    )
    run = flow.playbook(
        "deploy.yml", "-e", "heroku_app_version=code-b", figure="code-change deploy"
    )
    assert run.rc == 0, run.tail(8000)
    serving = flow.version()
    assert serving["release"] != before
    assert serving["commit"].startswith("code-b+m.")
    assert "Backup:    none needed (migrations unchanged)" in run.output
    text = " ".join(run.output.replace("''", "'").split())  # YAML's quoting of "app's"
    assert "Building and releasing the new source: only the app's source differs" in text, (
        run.tail()
    )
    assert "heroku_addons :" not in run.output, run.output  # provisioning skipped
    assert "Config:    unchanged" in run.output
    assert "Smoke test passed" in run.output
    assert len(flow.releases()) == releases + 1  # the build's release, no config release
    # What it released is recorded: the same deploy again has nothing to do.
    again = flow.playbook("deploy.yml", "-e", "heroku_app_version=code-b")
    assert again.rc == 0 and again.changed == 0, again.tail()
    assert "Unchanged: " in again.output, again.tail()


def test_rollback_brings_the_previous_code_back(flow: Flow) -> None:
    run = flow.playbook("rollback.yml", figure="rollback")
    assert run.rc == 0, run.tail()
    serving = flow.version()
    assert serving["commit"].startswith("code-a+m."), serving
    assert f"Serving:  {serving['release']} (rollback to v" in run.output


def test_rollback_refuses_a_release_without_code(flow: Flow) -> None:
    config_only = next(r for r in flow.releases() if not r.get("slug"))
    serving = flow.version()["release"]
    run = flow.playbook("rollback.yml", "-e", f"rollback_to=v{config_only['version']}")
    assert run.rc != 0
    assert "has no slug" in run.output, run.tail()
    assert flow.version()["release"] == serving


def test_a_broken_revision_is_rolled_back_by_deploy(flow: Flow) -> None:
    serving = flow.version()
    wsgi = flow.source / "config" / "wsgi.py"
    good = wsgi.read_text()
    wsgi.write_text(good + '\nraise RuntimeError("broken on purpose")\n')
    try:
        run = flow.playbook(
            "deploy.yml",
            "-e", "heroku_app_version=broken",
            "-e", "heroku_app_health_retries=10",
            "-e", "heroku_app_health_timeout=3",
            figure="broken deploy rolled back",
        )  # fmt: skip
    finally:
        wsgi.write_text(good)
    assert run.rc != 0
    text = " ".join(run.output.split())
    assert 'failed at "Wait until /healthz answers ok and /version names v' in text, run.tail()
    assert "The app is not healthy after" in text, run.tail()
    now = flow.version()
    assert f"Rolled back: {now['release']} (rollback to {serving['release']})" in text
    assert now["commit"] == serving["commit"]
    assert get_json(flow.web_url() + "healthz")["status"] == "ok"


def test_rollback_after_an_automatic_rollback_never_brings_the_broken_code_back(
    flow: Flow,
) -> None:
    # Heroku's "previous" would now be the broken release. The code serving (code-a, via two
    # rollbacks) was the first code built, and code-b and the broken one were undone, so
    # there is nothing good to go back to: rollback.yml must refuse, not re-release "broken".
    serving = flow.version()
    run = flow.playbook("rollback.yml")
    text = " ".join(run.output.split())
    assert run.rc != 0, run.tail()
    assert "there is no earlier successful release with code before" in text, run.tail()
    now = flow.version()
    assert (now["release"], now["commit"]) == (serving["release"], serving["commit"])


def test_check_mode_shows_drift_and_changes_nothing(flow: Flow) -> None:
    converge = flow.playbook("deploy.yml", "-e", "heroku_app_version=code-b")
    assert converge.rc == 0, converge.tail()
    check = flow.playbook("deploy.yml", "-e", "heroku_app_version=code-b", "--check", "--diff")
    assert check.rc == 0, check.tail()
    assert check.changed == 0, check.output
    flow.api(f"/apps/{APP}/config-vars", "PATCH", {"WEB_CONCURRENCY": "9"})
    releases = len(flow.releases())
    run = flow.playbook("deploy.yml", "-e", "heroku_app_version=code-b", "--check", "--diff")
    assert run.rc == 0, run.tail()
    # A declared non-secret value reads like a plan (before and after); secrets stay masked.
    assert re.search(r"^-\s+WEB_CONCURRENCY: '9'$", run.output, re.M), run.output
    assert re.search(r"^\+\s+WEB_CONCURRENCY: '2'$", run.output, re.M), run.output
    assert re.search(r"^\s+SECRET_KEY: '\*{8}'$", run.output, re.M), run.output
    assert "Config:    WEB_CONCURRENCY" in run.output
    assert len(flow.releases()) == releases
    assert flow.api(f"/apps/{APP}/config-vars")["WEB_CONCURRENCY"] == "9"


def test_a_release_with_new_migrations_is_backed_up_first(flow: Flow) -> None:
    migration = flow.source / "apps" / "core" / "migrations" / "0001_deploy_test.py"
    migration.write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = []\n"
        "    operations = []\n"
    )
    run = flow.playbook("deploy.yml", "-e", "heroku_app_version=code-c")
    assert run.rc == 0, run.tail(8000)
    text = " ".join(run.output.split())
    assert "Migrations changed (m." in text, run.tail()
    assert "captured backup b" in text
    assert "(migrations changed)" in text
    assert flow.version()["commit"].startswith("code-c+m.")


def test_verify_runs_on_its_own(flow: Flow) -> None:
    run = flow.playbook("playbooks/verify.yml")
    assert run.rc == 0, run.tail()
    assert "Smoke test passed" in run.output
    for feature in ("sign up", "log in", "upload", "watch", "like", "comment", "subscribe"):
        assert feature in run.output


def test_a_config_change_alone_is_released_and_checked(flow: Flow) -> None:
    # Last: a config-only release is a rollback target, and the rollback tests above assume
    # there is none. The change's release runs its release phase before it serves: the health
    # check must wait for that release, not for the one it replaces (which it once did, in
    # vain, and then rolled the change back).
    local = yaml.safe_load((REPO / "inventories/local/group_vars/all/heroku_app.yml").read_text())
    config = local["heroku_app_config_vars"] | {"MAX_UPLOAD_MB": "400"}
    before = flow.version()
    run = flow.playbook(
        "deploy.yml",
        "-e", json.dumps({"heroku_app_config_vars": config}),
        figure="config-only deploy",
    )  # fmt: skip
    assert run.rc == 0, run.tail(8000)
    newest = flow.releases()[-1]
    serving = flow.version()
    assert serving["release"] == f"v{newest['version']}" != before["release"], serving
    assert serving["commit"] == before["commit"]
    assert "MAX_UPLOAD_MB" in newest["description"], newest
    assert "Rolled back" not in run.output


def test_a_hand_change_makes_the_next_deploy_run_in_full_and_repair_it(flow: Flow) -> None:
    # After the config-only release above (the rollback tests assume there is none): the hand
    # change and its repair are config releases too. First a deploy of the inventory as it is.
    converge = flow.playbook("deploy.yml", "-e", "heroku_app_version=code-d")
    assert converge.rc == 0, converge.tail()
    declared = flow.api(f"/apps/{APP}/config-vars")["WEB_CONCURRENCY"]
    flow.api(f"/apps/{APP}/config-vars", "PATCH", {"WEB_CONCURRENCY": "7"})
    # A new source too: provisioning must still run, the hand change outweighs it.
    run = flow.playbook("deploy.yml", "-e", "heroku_app_version=code-e")
    assert run.rc == 0, run.tail()
    text = " ".join(run.output.replace("''", "'").split())  # YAML's quoting of "app's"
    assert "Deploying in full: what Heroku or AWS hold differs from the deploy verified" in text
    assert "and the app's source differs" in text, run.tail()
    assert re.search(r"Config:\s+WEB_CONCURRENCY'$", run.output, re.M), run.tail()
    assert flow.api(f"/apps/{APP}/config-vars")["WEB_CONCURRENCY"] == declared
    again = flow.playbook("deploy.yml", "-e", "heroku_app_version=code-e")
    assert again.rc == 0 and again.changed == 0, again.tail()
    assert "Unchanged: " in again.output, again.tail()
