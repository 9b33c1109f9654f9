"""The monitoring role against a private localcloud, a local Sentry and local receivers."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import moto_client

from .collector import Collector
from .heroku_helpers import run_playbook
from .sentry_receiver import SentryReceiver

pytestmark = pytest.mark.timeout(600)
PLAY = "tests/ops/playbooks/monitoring.yml"


@pytest.fixture(scope="module")
def sentry() -> Iterator[SentryReceiver]:
    receiver = SentryReceiver(
        token=secrets.token_hex(16), project_id="42", public_key=secrets.token_hex(8)
    ).start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def collector() -> Iterator[Collector]:
    c = Collector()
    yield c
    c.stop()


@pytest.fixture(scope="module")
def watched_app(ops_app) -> dict[str, Any]:
    return ops_app


def aws(localcloud, service: str):
    return moto_client(service, localcloud.aws_endpoint)


def monitoring_vars(app, sentry, collector, out: Path, **overrides: Any) -> list[str]:
    extra = {
        "heroku_app_name": app["name"],
        "monitoring_sentry_dsn": sentry.dsn,
        "monitoring_sentry_api_url": sentry.api_url,
        "monitoring_sentry_api_token": sentry.token,
        "monitoring_sentry_org": sentry.org,
        "monitoring_sentry_projects": [sentry.project_slug],
        "monitoring_log_drain_enabled": True,
        "monitoring_log_drain_url": collector.url("/drain?token=drain-secret-123"),
        "monitoring_webhooks_enabled": True,
        "monitoring_webhooks": [
            {"url": collector.url("/hook"), "include": ["api:release"], "secret": "hook-secret-456"}
        ],
        "monitoring_uptime_name": f"skillstream-{app['name']}-uptime",
        "monitoring_uptime_emails": ["ops@example.com", "oncall@example.com"],
        "monitoring_test_output": str(out),
    }
    extra.update(overrides)
    return ["-i", "inventories/local", "-e", json.dumps(extra)]


def test_monitoring_role_end_to_end(localcloud, watched_app, sentry, collector, tmp_path):
    out = tmp_path / "monitoring_app_config.json"
    args = monitoring_vars(watched_app, sentry, collector, out)
    run = run_playbook(PLAY, localcloud.env, *args, "-v")
    text = run.stdout + run.stderr
    assert run.returncode == 0, text[-6000:]
    for secret in (sentry.token, "drain-secret-123", "hook-secret-456", sentry.public_key):
        assert secret not in text, "a secret reached the output"

    # Sentry: config vars for the app, the release and its deploy through the API
    assert json.loads(out.read_text()) == {"SENTRY_DSN": sentry.dsn, "SENTRY_ENVIRONMENT": "local"}
    heroku, name = watched_app["heroku"], watched_app["name"]
    releases = heroku.call("GET", f"/apps/{name}/releases")
    recorded = f"v{max(r['version'] for r in releases[:-1])}"  # before the config release
    assert list(sentry.releases) == [recorded]
    assert sentry.deploys[recorded][0]["environment"] == "local"

    # runtime metrics features, log drain, webhook
    for feature in ("runtime-dyno-metadata", "log-runtime-metrics"):
        assert heroku.call("GET", f"/apps/{name}/features/{feature}")["enabled"] is True
    drains = heroku.call("GET", f"/apps/{name}/log-drains")
    assert [d["url"] for d in drains] == [collector.url("/drain?token=drain-secret-123")]
    hooks = heroku.call("GET", f"/apps/{name}/webhooks")
    assert [h["url"] for h in hooks] == [collector.url("/hook")]

    # uptime: health check on /healthz of the app's URL, alarm on it, topic with e-mails
    port = int(watched_app["web_url"].rstrip("/").rsplit(":", 1)[1])
    checks = [
        c
        for c in aws(localcloud, "route53").list_health_checks()["HealthChecks"]
        if c["HealthCheckConfig"].get("Port") == port
    ]
    assert len(checks) == 1
    assert checks[0]["HealthCheckConfig"]["ResourcePath"] == "/healthz"
    [alarm] = aws(localcloud, "cloudwatch").describe_alarms(
        AlarmNames=[f"skillstream-{name}-uptime"]
    )["MetricAlarms"]
    assert alarm["Dimensions"] == [{"Name": "HealthCheckId", "Value": checks[0]["Id"]}]
    assert alarm["MetricName"] == "HealthCheckStatus" and alarm["Namespace"] == "AWS/Route53"
    sns = aws(localcloud, "sns")
    assert alarm["AlarmActions"] == alarm["OKActions"] and alarm["AlarmActions"]
    subs = sns.list_subscriptions_by_topic(TopicArn=alarm["AlarmActions"][0])["Subscriptions"]
    assert sorted(s["Endpoint"] for s in subs) == ["oncall@example.com", "ops@example.com"]

    # applying the config vars made a new release: the next run records it, then nothing
    again = run_playbook(PLAY, localcloud.env, *args)
    assert again.returncode == 0, again.stdout[-4000:]
    assert len(sentry.releases) == 2
    again = run_playbook(PLAY, localcloud.env, *args)
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-4000:]

    # the deployed app's exception reaches the DSN, tagged with the environment and release
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if requests.get(watched_app["web_url"] + "boom", timeout=10).status_code == 500:
            pass
        events = [e for e in sentry.events if e["type"] == "event"]
        if events:
            break
        time.sleep(1)
    assert events, "no event reached the Sentry receiver"
    event = events[-1]["payload"]
    assert event["exception"]["values"][-1]["type"] == "ZeroDivisionError"
    assert event["environment"] == "local" and event["release"].startswith("v")

    # the app's logs reach the drain; a release notifies the webhook
    heroku.call("PATCH", f"/apps/{name}/config-vars", json={"PING": secrets.token_hex(2)})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        collector.bodies("/drain") and collector.bodies("/hook")
    ):
        requests.get(watched_app["web_url"] + "healthz", timeout=10)
        time.sleep(1)
    assert collector.bodies("/drain"), "no logs reached the drain"
    hook = json.loads(collector.bodies("/hook")[-1])
    assert hook["resource"] == "release"


def test_parts_switch_off(localcloud, watched_app, sentry, collector, tmp_path):
    out = tmp_path / "config.json"
    args = monitoring_vars(
        watched_app,
        sentry,
        collector,
        out,
        monitoring_sentry_enabled=False,
        monitoring_log_drain_enabled=False,
        monitoring_webhooks_enabled=False,
        monitoring_runtime_metrics_enabled=False,
    )
    run = run_playbook(PLAY, localcloud.env, *args)
    assert run.returncode == 0, (run.stdout + run.stderr)[-5000:]
    heroku, name = watched_app["heroku"], watched_app["name"]
    assert json.loads(out.read_text()) == {}
    assert heroku.call("GET", f"/apps/{name}/log-drains") == []
    assert heroku.call("GET", f"/apps/{name}/webhooks") == []
    assert heroku.call("GET", f"/apps/{name}/features/log-runtime-metrics")["enabled"] is False


def test_bad_variables_stop_before_any_api_call(
    localcloud, watched_app, sentry, collector, tmp_path
):
    args = monitoring_vars(
        watched_app, sentry, collector, tmp_path / "x.json", monitoring_uptime_request_interval=45
    )
    run = run_playbook(PLAY, localcloud.env, *args)
    assert run.returncode != 0
    assert "monitoring_uptime_request_interval" in run.stdout
