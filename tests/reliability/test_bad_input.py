"""Wrong input is refused before any Heroku API call, with a message naming what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reliability.conftest import DeployedApp


def extra(**variables: object) -> list[str]:
    return ["-e", json.dumps(variables)]


WEB = {"type": "web", "quantity": 1, "size": "standard-1x"}

# case: (playbook, arguments, text the message must contain)
CASES: dict[str, tuple[str, list[str], str]] = {
    "app name with capitals": ("deploy.yml", extra(heroku_app_name="Bad_Name"), "heroku_app_name"),
    "app name ending in a dash": ("deploy.yml", extra(heroku_app_name="skill-"), "heroku_app_name"),
    "app name too long": ("deploy.yml", extra(heroku_app_name="s" * 31), "heroku_app_name"),
    "unknown environment": ("deploy.yml", extra(skillstream_env="qa"), "skillstream_env"),
    "negative dyno count": (
        "deploy.yml",
        extra(heroku_app_formation=[{**WEB, "quantity": -2}]),
        "heroku_app_formation[0]",
    ),
    "dyno count as words": (
        "deploy.yml",
        extra(heroku_app_formation=[{**WEB, "quantity": "two"}]),
        "heroku_app_formation",
    ),
    "unknown dyno size": (
        "deploy.yml",
        extra(heroku_app_formation=[{**WEB, "size": "mega-9x"}]),
        "heroku_app_formation[0]",
    ),
    "formation without web": (
        "deploy.yml",
        extra(heroku_app_formation=[{"type": "worker", "quantity": 1}]),
        "must name the web process",
    ),
    "web process named twice": (
        "deploy.yml",
        extra(heroku_app_formation=[WEB, WEB]),
        "must name the web process once",
    ),
    "formation as a string": (
        "deploy.yml",
        extra(heroku_app_formation="web=1"),
        "heroku_app_formation",
    ),
    "add-on plan without a plan name": (
        "deploy.yml",
        extra(heroku_addons_list=[{"plan": "postgres"}]),
        "heroku_addons_list[0]",
    ),
    "add-ons as a string": (
        "deploy.yml",
        extra(heroku_addons_list="heroku-redis"),
        "heroku_addons_list",
    ),
    "health retries as words": (
        "deploy.yml",
        extra(heroku_app_health_retries="many"),
        "heroku_app_health_retries",
    ),
    "lock TTL as words": (
        "deploy.yml",
        extra(heroku_app_lock_ttl="forever"),
        "heroku_app_lock_ttl",
    ),
    "ACM as a maybe": ("deploy.yml", extra(heroku_app_acm="perhaps"), "heroku_app_acm"),
    "unquoted config var value": (
        "deploy.yml",
        extra(heroku_app_config_vars={"DJANGO_SETTINGS_MODULE": "x", "WEB_CONCURRENCY": 3}),
        "WEB_CONCURRENCY",
    ),
    "config var name with a dash": (
        "deploy.yml",
        extra(heroku_app_config_vars={"BAD-NAME": "1"}),
        "BAD-NAME",
    ),
    "config vars as a list": (
        "deploy.yml",
        extra(heroku_app_config_vars=["A=1"]),
        "heroku_app_config_vars",
    ),
    "domain with a space": (
        "deploy.yml",
        extra(heroku_app_domains=["bad domain.example"]),
        "heroku_app_domains",
    ),
    "domain starting with a dash": (
        "deploy.yml",
        extra(heroku_app_domains=["-www.example.com"]),
        "heroku_app_domains",
    ),
    "Sentry DSN that is not a DSN": (
        "deploy.yml",
        extra(monitoring_sentry_enabled=True, monitoring_sentry_dsn="not-a-dsn"),
        "monitoring_sentry_dsn",
    ),
    "log drain over ftp": (
        "deploy.yml",
        extra(monitoring_log_drain_enabled=True, monitoring_log_drain_url="ftp://logs.example.com"),
        "monitoring_log_drain_url",
    ),
    "uptime interval Route 53 does not offer": (
        "deploy.yml",
        extra(monitoring_uptime_request_interval=15),
        "monitoring_uptime_request_interval",
    ),
    "backups keep no daily": ("deploy.yml", extra(backups_keep_daily=0), "backups_keep_daily"),
    "backup bucket with capitals": (
        "deploy.yml",
        extra(backups_bucket_name="Bad_Bucket"),
        "backups_bucket_name",
    ),
    "backup encryption unknown": (
        "deploy.yml",
        extra(backups_encryption="rot13"),
        "backups_encryption",
    ),
    "media bucket with capitals": (
        "deploy.yml",
        extra(s3_media_bucket_name="Bad_Bucket"),
        "s3_media_bucket_name",
    ),
    "media encryption unknown": (
        "deploy.yml",
        extra(s3_media_encryption="rot13"),
        "s3_media_encryption",
    ),
    "CDN price class unknown": (
        "deploy.yml",
        extra(cloudfront_price_class="PriceClass_999"),
        "cloudfront_price_class",
    ),
    "CDN alias that is not a host": (
        "deploy.yml",
        extra(cloudfront_aliases=["not a host"]),
        "cloudfront_aliases",
    ),
    "staging without its vault": ("deploy.yml", ["-i", "inventories/staging"], "vault"),
    "production without its vault": ("deploy.yml", ["-i", "inventories/production"], "vault"),
    "rollback to a word": ("rollback.yml", extra(rollback_to="banana"), "banana"),
    "restore without confirmation": ("restore.yml", [], "restore_confirm"),
    "restore confirmed for another app": (
        "restore.yml",
        extra(restore_confirm="someone-else"),
        "restore_confirm",
    ),
    "backup keeping a negative number": (
        "backup.yml",
        extra(backups_keep_weekly=-1),
        "backups_keep",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_wrong_input_is_refused_before_any_api_call(case: str, app: DeployedApp, record) -> None:
    playbook, args, named = CASES[case]
    before = app.api_requests()
    run = app.playbook(playbook, *args)
    calls = app.api_requests() - before
    flat = " ".join(run.output.split())
    passed = run.rc != 0 and named in flat and calls == 0
    message = next(
        (line.strip() for line in run.output.splitlines() if "msg:" in line or "ERROR" in line),
        "",
    )
    record(
        "bad input",
        f"{playbook}: {case}",
        f"refused, names {named}, 0 API calls",
        f"rc={run.rc}, {calls} API calls; {message}",
        passed=passed,
    )
    assert run.rc != 0, run.tail()
    assert named in flat, run.tail()
    assert calls == 0, f"{calls} Heroku API calls before the refusal"


def test_malformed_inventory_is_refused(app: DeployedApp, tmp_path: Path, record) -> None:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all:\n  children:\n    heroku_apps: [unclosed\n")
    before = app.api_requests()
    run = app.playbook("deploy.yml", "-i", str(inventory))
    calls = app.api_requests() - before
    passed = run.rc != 0 and "hosts.yml" in run.output and calls == 0
    record(
        "bad input",
        "deploy.yml: malformed inventory file",
        "refused, names the file, 0 API calls",
        f"rc={run.rc}, {calls} API calls",
        passed=passed,
    )
    assert passed, run.tail()


def test_inventory_host_without_app_name_is_refused(
    app: DeployedApp, tmp_path: Path, record
) -> None:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  children:\n    heroku_apps:\n      hosts:\n        nameless:\n"
        "          ansible_connection: local\n          skillstream_env: local\n"
    )
    before = app.api_requests()
    run = app.playbook("deploy.yml", "-i", str(inventory))
    calls = app.api_requests() - before
    passed = run.rc != 0 and "heroku_app_name" in run.output and calls == 0
    record(
        "bad input",
        "deploy.yml: inventory host without heroku_app_name",
        "refused, names heroku_app_name, 0 API calls",
        f"rc={run.rc}, {calls} API calls",
        passed=passed,
    )
    assert passed, run.tail()


def test_rollback_to_an_unknown_release_changes_nothing(app: DeployedApp, record) -> None:
    before = app.current_release()
    run = app.playbook("rollback.yml", *extra(rollback_to="v9999"))
    after = app.current_release()
    passed = run.rc != 0 and "v9999" in run.output and after["id"] == before["id"]
    record(
        "bad input",
        "rollback.yml: rollback_to=v9999 (no such release)",
        "refused with why, no new release",
        f"rc={run.rc}, current release still v{after['version']}",
        passed=passed,
    )
    assert passed, run.tail()
