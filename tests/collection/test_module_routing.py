"""domain, log_drain and webhook against localcloud, through ansible-playbook."""

from __future__ import annotations

from .playbook import api_call, mod, run_play

DRAIN_PASSWORD = "drain-Pa55word-never-shown"
DRAIN_PATH_TOKEN = "drainPathT0ken-never-shown"
HOOK_SECRET = "hook-Secret-never-shown-51c2"


def test_domain_is_added_and_removed_with_acm(heroku, new_app, tmp_path):
    name = new_app()
    host = f"www.{name}.example.com"
    run = run_play(
        [
            mod("domain", check=True, app=name, hostname=host, acm=True),
            api_call(f"/apps/{name}/domains/{host}"),
            mod("domain", app=name, hostname=host, acm=True),
            mod("domain", app=name, hostname=host.upper(), acm=True),
            mod("domain", check=True, app=name, hostname=host, state="absent"),
            mod("domain", app=name, hostname=host, state="absent"),
            mod("domain", app=name, hostname=host, state="absent"),
        ],
        tmp_path,
    )
    check, after_check, add, again, rm_check, rm, rm_again = run.results
    assert check["changed"] is True and after_check["status"] == 404
    assert add["changed"] is True
    assert add["domain"]["hostname"] == host and add["domain"]["cname"]
    assert add["acm"] is True
    assert add["diff"] == {
        "before": {"hostname": None, "acm": False},
        "after": {"hostname": host, "acm": True},
    }
    assert again["changed"] is False
    assert rm_check["changed"] is True
    assert rm["changed"] is True and rm_again["changed"] is False
    assert heroku.get(f"/apps/{name}/domains/{host}").status_code == 404
    assert heroku.json_of(f"/apps/{name}")["acm"] is True


def test_log_drain_masks_the_password_and_path_of_its_url(heroku, new_app, tmp_path):
    name = new_app()
    url = f"https://logs:{DRAIN_PASSWORD}@logs.example.com/drain/{DRAIN_PATH_TOKEN}"
    run = run_play(
        [
            mod("log_drain", check=True, app=name, url=url),
            api_call(f"/apps/{name}/log-drains"),
            mod("log_drain", app=name, url=url),
            mod("log_drain", app=name, url=url),
            mod("log_drain", app=name, url=url, state="absent"),
            mod("log_drain", app=name, url=url, state="absent"),
        ],
        tmp_path,
        verbosity=3,  # the module arguments are printed at -vvv
    )
    check, after_check, add, again, rm, rm_again = run.results
    assert check["changed"] is True and after_check["json"] == []
    assert add["changed"] is True and add["log_drain"]["token"]
    assert add["log_drain"]["url"] == "https://logs:********@logs.example.com/********"
    assert add["diff"]["after"] == {"url": "https://logs:********@logs.example.com/********"}
    assert again["changed"] is False
    assert rm["changed"] is True and rm_again["changed"] is False
    assert heroku.json_of(f"/apps/{name}/log-drains") == []
    assert DRAIN_PASSWORD not in run.stdout
    assert DRAIN_PATH_TOKEN not in run.stdout


def test_webhook_is_created_updated_and_keeps_its_secret_out_of_output(heroku, new_app, tmp_path):
    name = new_app()
    spec = {"app": name, "url": "https://hooks.example.com/heroku", "include": ["api:release"]}
    run = run_play(
        [
            mod("webhook", check=True, secret=HOOK_SECRET, **spec),
            api_call(f"/apps/{name}/webhooks"),
            mod("webhook", secret=HOOK_SECRET, **spec),
            mod("webhook", secret=HOOK_SECRET, **spec),
            mod("webhook", **{**spec, "include": ["api:build", "api:release"]}, level="sync"),
            mod("webhook", app=name, url=spec["url"], state="absent"),
            mod("webhook", app=name, url=spec["url"], state="absent"),
        ],
        tmp_path,
        verbosity=3,
    )
    check, after_check, add, again, update, rm, rm_again = run.results
    assert check["changed"] is True and after_check["json"] == []
    assert add["changed"] is True and add["webhook"]["include"] == ["api:release"]
    assert add["diff"]["after"]["secret"] == "******** (set)"
    assert again["changed"] is False
    assert update["changed"] is True
    assert update["webhook"]["level"] == "sync"
    assert sorted(update["webhook"]["include"]) == ["api:build", "api:release"]
    assert update["webhook"]["id"] == add["webhook"]["id"]  # updated in place
    assert rm["changed"] is True and rm_again["changed"] is False
    assert heroku.json_of(f"/apps/{name}/webhooks") == []
    assert HOOK_SECRET not in run.output  # not even at -vvv
