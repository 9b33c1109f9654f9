"""Modules ride out what the Heroku API does on a bad day (faults injected into localcloud)."""

from __future__ import annotations

from .playbook import api_call, mod, run_play


def fault(**spec) -> dict:
    """A task that arms a localcloud fault (the control endpoint is not Heroku's)."""
    return api_call("/__localcloud/faults", method="POST", body=spec)


def test_modules_retry_429_5xx_and_dropped_connections(heroku, new_app, tmp_path):
    name = new_app()
    host = f"api.{name}.example.com"
    path = f"/apps/{name}"
    try:
        run = run_play(
            [
                fault(
                    kind="status", status=503, method="GET", path=f"^{path}/config-vars$", count=2
                ),
                mod("config_vars", app=name, config={"RETRIED": "yes-after-503"}),
                fault(kind="status", status=429, method="PATCH", path=f"^{path}/config-vars$"),
                mod("config_vars", app=name, config={"RETRIED": "yes-after-429"}),
                # the connection drops before an answer: the module looks for the domain
                # before it sends the POST again, so there is exactly one
                fault(kind="drop", method="POST", path=f"^{path}/domains$"),
                mod("domain", app=name, hostname=host),
                # no answer within the module's timeout: retried
                fault(kind="hang", seconds=4, method="GET", path=f"^{path}/features$"),
                mod("app_info", name=name, timeout=2),
            ],
            tmp_path,
        )
    finally:
        heroku.clear_faults()
    after_503, after_429, domain, info = (
        run.results[1],
        run.results[3],
        run.results[5],
        run.results[7],
    )
    assert after_503["failed"] is False and after_503["api_retries"] == 2
    assert after_429["failed"] is False and after_429["api_retries"] == 1
    assert heroku.json_of(f"/apps/{name}/config-vars")["RETRIED"] == "yes-after-429"
    assert domain["failed"] is False and domain["changed"] is True
    assert domain["domain"]["hostname"] == host
    hostnames = [d["hostname"] for d in heroku.json_of(f"/apps/{name}/domains")]
    assert hostnames.count(host) == 1
    assert info["failed"] is False and info["api_retries"] >= 1


def test_module_gives_up_inside_its_retry_budget(heroku, new_app, tmp_path):
    name = new_app()
    try:
        run = run_play(
            [
                fault(kind="status", status=503, method="GET", path=f"^/apps/{name}$", count=None),
                mod("app_info", name=name, max_retry_wait=2),
            ],
            tmp_path,
        )
    finally:
        heroku.clear_faults()
    result = run.results[1]
    assert result["failed"] is True
    assert f"Heroku API GET /apps/{name} failed: HTTP 503" in result["msg"]
    assert "gave up after" in result["msg"] and result["api_calls"] > 1


def test_a_post_applied_then_dropped_is_not_sent_twice(heroku, new_app, tmp_path):
    """The connection drops after Heroku applied the POST: a blind retry would create a
    second domain or add-on; the modules look before they send it again."""
    name = new_app()
    path = f"/apps/{name}"
    host = f"after.{name}.example.com"
    try:
        run = run_play(
            [
                fault(kind="drop", after=True, method="POST", path=f"^{path}/domains$"),
                mod("domain", app=name, hostname=host),
                fault(kind="drop", after=True, method="POST", path=f"^{path}/addons$"),
                mod("addon", app=name, plan="heroku-redis:mini", attachment_name="CACHE"),
                api_call("/__localcloud/faults"),
            ],
            tmp_path,
        )
    finally:
        heroku.clear_faults()
    domain, addon, left = run.results[1], run.results[3], run.results[4]
    assert left["json"] == [], "a fault never fired: the test proved nothing"
    assert domain["failed"] is False and domain["changed"] is True
    hostnames = [d["hostname"] for d in heroku.json_of(f"{path}/domains")]
    assert hostnames.count(host) == 1
    assert addon["failed"] is False and addon["changed"] is True
    assert addon["addon"]["state"] == "provisioned"
    assert len(heroku.json_of(f"{path}/addons")) == 1
