"""Every module fails clearly (and without a traceback) on a wrong token, an unknown app
and an invalid argument."""

from __future__ import annotations

import json

from .playbook import mod, run_play

WRONG_TOKEN = "wrong-token-0f5e2a7c-4b1d-4e9a-9c3b-7d8e6f5a4b3c"
UNKNOWN = "coll-no-such-app-x1"


def cases(app: str, source: str) -> dict[str, dict]:
    """Minimal valid arguments of each module for `app`."""
    return {
        "app": {"name": app, "maintenance": False},
        "app_info": {"name": app},
        "config_vars": {"app": app, "config": {"A": "1"}},
        "addon": {"app": app, "plan": "heroku-redis:mini"},
        "build": {"app": app, "source_dir": source},
        "release": {"app": app, "rollback_to": "previous"},
        "formation": {"app": app, "processes": [{"type": "web", "quantity": 1}]},
        "feature": {"app": app, "name": "preboot", "enabled": True},
        "domain": {"app": app, "hostname": "www.example.com"},
        "log_drain": {"app": app, "url": "https://logs.example.com/x"},
        "webhook": {"app": app, "url": "https://hooks.example.com/x", "include": ["api:release"]},
        "pg_backups": {"app": app, "action": "list"},
    }


def no_traceback(result: dict) -> bool:
    return "Traceback (most recent call last)" not in json.dumps(result)


def test_every_module_names_the_problem(new_app, source_app, tmp_path):
    existing = new_app()
    good = cases(existing, str(source_app))
    missing = cases(UNKNOWN, str(source_app))
    names = sorted(good)
    tasks = []
    for name in names:
        tasks.append(mod(name, **good[name], api_key=WRONG_TOKEN))
    for name in names:
        if name == "app":
            tasks.append(mod("app", name=UNKNOWN, state="absent"))
        else:
            tasks.append(mod(name, **missing[name]))
    for name in names:
        tasks.append(mod(name, **good[name], no_such_option=1))
    tasks += [
        mod("formation", app=existing, processes=[{"type": "web", "quantity": "lots"}]),
        mod("pg_backups", app=existing, action="explode"),
        mod("release", app=existing),
        {**mod("app_info", name=existing), "environment": {"HEROKU_API_KEY": ""}},
        mod("app_info", name=existing, api_url="http://127.0.0.1:9", max_retry_wait=0.5),
        mod("pg_backups", app=existing, action="restore", backup="b001"),
    ]
    run = run_play(tasks, tmp_path, parallel=3)
    count = len(names)
    token, unknown, invalid = (
        run.results[:count],
        run.results[count : 2 * count],
        run.results[2 * count : 3 * count],
    )
    for name, result in zip(names, token, strict=True):
        assert result["failed"] is True, name
        assert "HTTP 401 unauthorized: Invalid credentials provided." in result["msg"], name
        assert result["error_id"] == "unauthorized", name
        assert no_traceback(result), name
    for name, result in zip(names, unknown, strict=True):
        if name == "app":
            assert result["failed"] is False and result["changed"] is False
            continue
        assert result["failed"] is True, name
        assert "HTTP 404 not_found" in result["msg"], (name, result["msg"])
        assert f"/apps/{UNKNOWN}" in result["msg"], name
        assert no_traceback(result), name
    for name, result in zip(names, invalid, strict=True):
        assert result["failed"] is True, name
        assert "Unsupported parameters" in result["msg"], name
        assert "no_such_option" in result["msg"], name
        assert no_traceback(result), name
    quantity, action, rollback, no_token, refused, unconfirmed = run.results[3 * count :]
    assert "quantity" in quantity["msg"] and "int" in quantity["msg"]
    assert "action must be one of" in action["msg"] and "explode" in action["msg"]
    assert "missing required arguments: rollback_to" in rollback["msg"]
    assert "No Heroku API token: set the api_key option or the HEROKU_API_KEY" in no_token["msg"]
    assert "connection to 127.0.0.1:9 failed" in refused["msg"]
    assert refused["error_id"] == "connection_error" and refused["api_calls"] > 1
    assert "action is restore but all of the following are missing: confirm" in unconfirmed["msg"]
    assert WRONG_TOKEN not in run.output
    assert "Traceback (most recent call last)" not in run.output
