"""Wrong variables stop deploy.yml (and rollback.yml) before any Heroku API call, with a
message that names what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.playbooks.conftest import api_requests, run_playbook

CASES = {
    "bad app name": (["-e", "heroku_app_name=Bad_Name"], "heroku_app_name"),
    "unknown environment": (["-e", "skillstream_env=qa"], "skillstream_env"),
    "negative dyno count": (
        ["-e", json.dumps({"heroku_app_formation": [{"type": "web", "quantity": -2}]})],
        "heroku_app_formation[0]",
    ),
    "formation without web": (
        ["-e", json.dumps({"heroku_app_formation": [{"type": "worker", "quantity": 1}]})],
        "heroku_app_formation must name the web process",
    ),
    "bad add-on plan": (
        ["-e", json.dumps({"heroku_addons_list": [{"plan": "postgres"}]})],
        "heroku_addons_list[0]",
    ),
    "wrong type": (["-e", "heroku_app_health_retries=many"], "heroku_app_health_retries"),
    "unquoted config value": (
        ["-e", json.dumps({"heroku_app_config_vars": {"WEB_CONCURRENCY": 3}})],
        "WEB_CONCURRENCY must be quoted",
    ),
    "malformed domain": (
        ["-e", json.dumps({"heroku_app_domains": ["bad domain.example"]})],
        "heroku_app_domains",
    ),
    "staging without its vault": (["-i", "inventories/staging"], "vault_django_secret_key"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_deploy_refuses_before_any_api_call(case: str, localcloud, state_dir: Path) -> None:
    args, named = CASES[case]
    before = api_requests(localcloud.api_url)
    run = run_playbook("deploy.yml", *args, state_dir=state_dir)
    assert run.rc != 0, run.tail()
    assert named in " ".join(run.output.split()), run.tail()
    assert api_requests(localcloud.api_url) == before, "an API call was made"
    assert "PLAY [Provision" not in run.output


@pytest.mark.parametrize(
    ("target", "named"), [("banana", "is not a release"), ("v0", "is not a release")]
)
def test_rollback_refuses_a_malformed_release(
    target: str, named: str, localcloud, state_dir: Path
) -> None:
    before = api_requests(localcloud.api_url)
    run = run_playbook("rollback.yml", "-e", f"rollback_to={target}", state_dir=state_dir)
    assert run.rc != 0
    assert named in run.output, run.tail()
    assert api_requests(localcloud.api_url) == before
