"""The modules that need no Heroku API: source_facts, smoke_test's checks, app_info's picks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from ansible_collections.skillstream.heroku.plugins.module_utils import smoke
from ansible_collections.skillstream.heroku.plugins.module_utils.common import ModuleFailure
from ansible_collections.skillstream.heroku.plugins.module_utils.source_facts import (
    build_version,
    source_facts,
)
from ansible_collections.skillstream.heroku.plugins.modules.app_info import (
    pick_config_vars,
    refuse_addon_vars,
)


def app_root(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    (root / "videos" / "migrations" / "__pycache__").mkdir(parents=True)
    (root / "videos" / "migrations" / "0001_initial.py").write_text("# one\n")
    (root / "videos" / "migrations" / "__pycache__" / "x.py").write_text("ignored")
    (root / "videos" / "models.py").write_text("# not a migration\n")
    return root


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_source_facts_name_the_commit_and_the_migrations(tmp_path):
    root = app_root(tmp_path)
    outside = source_facts(str(root))
    assert outside["commit"] == "" and outside["migrations"] == 1
    assert outside["version"] == "unversioned+m." + outside["migrations_sha256"][:12]

    git(root, "init", "-q")
    git(root, "-c", "user.email=a@b", "-c", "user.name=a", "add", ".")
    git(root, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "x")
    head = git(root, "rev-parse", "HEAD")
    clean = source_facts(str(root))
    assert clean["commit"] == head
    assert clean["migrations_sha256"] == outside["migrations_sha256"]

    (root / "videos" / "models.py").write_text("# changed, not a migration\n")
    dirty = source_facts(str(root), version="v1.2")
    assert dirty["commit"] == head + "-dirty"
    assert dirty["migrations_sha256"] == clean["migrations_sha256"]
    assert dirty["version"].startswith("v1.2+m.")

    (root / "videos" / "migrations" / "0002_more.py").write_text("# two\n")
    assert source_facts(str(root))["migrations_sha256"] != clean["migrations_sha256"]


def test_build_version_prefers_the_given_version_then_the_commit():
    assert build_version("", "abc", "0123456789abcdef") == "abc+m.0123456789ab"
    assert build_version("v2", "abc", "0123456789abcdef") == "v2+m.0123456789ab"


def test_app_info_returns_only_the_config_vars_asked_for():
    config = {"SKILLSTREAM_VERIFIED_SLUG": "s1", "SECRET_KEY": "x" * 40, "EMPTY": None}
    assert pick_config_vars(config, ["SKILLSTREAM_VERIFIED_SLUG", "MISSING", "EMPTY"]) == {
        "SKILLSTREAM_VERIFIED_SLUG": "s1"
    }


def test_app_info_refuses_config_vars_an_addon_sets():
    addons = [{"name": "postgresql-round-123", "config_vars": ["DATABASE_URL"]}]
    refuse_addon_vars(["SKILLSTREAM_VERIFIED_SLUG"], addons)
    with pytest.raises(ModuleFailure, match="DATABASE_URL, set by the add-on postgresql-round-123"):
        refuse_addon_vars(["DATABASE_URL", "SKILLSTREAM_VERIFIED_SLUG"], addons)


def test_smoke_refuses_to_write_without_a_password():
    result = smoke.report("http://127.0.0.1:9", False, 1, 1, "b@example.com", "short")
    assert result["ok"] is False and "no password" in result["error"] and result["steps"] == []


def test_smoke_names_the_first_failed_step():
    result = smoke.report("http://127.0.0.1:9", True, 1, 1, "b@example.com", "")
    assert result["ok"] is False
    assert result["failed"]["step"] == "health"
    assert [s["step"] for s in result["steps"]] == ["health"]
