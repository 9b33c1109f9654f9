"""What the monitoring role set up, as Heroku and AWS report it over the wire: the app's
features, log drain and webhook; the uptime health check on the app's web_url, its alarm and
who the alarm tells. The role's config vars for heroku_app, from the file converge kept."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest


@pytest.fixture(scope="module")
def app_name(scenario) -> str:
    return scenario["heroku_app_name"]


@pytest.fixture(scope="module")
def alarm(aws, scenario) -> dict:
    alarms = aws("cloudwatch").describe_alarms(AlarmNames=[scenario["monitoring_uptime_name"]])
    assert len(alarms["MetricAlarms"]) == 1, alarms["MetricAlarms"]
    return alarms["MetricAlarms"][0]


def test_runtime_features_on(heroku, app_name) -> None:
    features = {f["name"] for f in heroku.get(f"/apps/{app_name}/features") if f["enabled"]}
    assert {"runtime-dyno-metadata", "log-runtime-metrics"} <= features, features


def test_logs_drain_and_releases_notify(heroku, app_name, scenario) -> None:
    drains = heroku.get(f"/apps/{app_name}/log-drains")
    assert [d["url"] for d in drains] == [scenario["monitoring_log_drain_url"]]
    hooks = heroku.get(f"/apps/{app_name}/webhooks")
    assert [(h["url"], h["include"]) for h in hooks] == [
        (w["url"], w["include"]) for w in scenario["monitoring_webhooks"]
    ]


def test_config_vars_for_the_app(host, scenario) -> None:
    kept = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "monitoring_app_config.json"
    config = json.loads(host.file(str(kept)).content_string)
    assert config == {
        "SENTRY_DSN": scenario["monitoring_sentry_dsn"],
        "SENTRY_ENVIRONMENT": scenario["skillstream_env"],
    }


def test_health_check_probes_the_apps_healthz(aws, heroku, app_name, alarm) -> None:
    dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    check = aws("route53").get_health_check(HealthCheckId=dimensions["HealthCheckId"])
    config = check["HealthCheck"]["HealthCheckConfig"]
    web = urlsplit(heroku.get(f"/apps/{app_name}")["web_url"])
    assert (config["Type"], config["IPAddress"], config["Port"]) == (
        web.scheme.upper(),
        web.hostname,
        web.port,
    )
    assert config["ResourcePath"] == "/healthz"


def test_alarm_watches_the_check_and_tells_ops(aws, alarm, scenario) -> None:
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Route53", "HealthCheckStatus")
    assert len(alarm["AlarmActions"]) == 1
    subscriptions = aws("sns").list_subscriptions_by_topic(TopicArn=alarm["AlarmActions"][0])
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions["Subscriptions"]] == [
        ("email", email) for email in scenario["monitoring_uptime_emails"]
    ]
