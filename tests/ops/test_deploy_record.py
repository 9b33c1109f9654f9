"""The record of a verified deploy (skillstream.ops.deploy_record): what it keeps and how
it compares. The end-to-end behaviour is in tests/playbooks/test_deploy_flow.py and
tests/reliability/test_fast_path.py."""

from __future__ import annotations

import json
import stat

from ansible_collections.skillstream.ops.plugins.module_utils import deploy_record as dr


def test_volatile_attributes_do_not_count_but_settings_do() -> None:
    app = {"name": "a", "stack": {"name": "heroku-24"}, "updated_at": "t1", "released_at": "t1"}
    later = {**app, "updated_at": "t2", "released_at": "t2"}
    assert dr.digest(dr.stable(app)) == dr.digest(dr.stable(later))
    assert dr.digest(dr.stable(app)) != dr.digest(dr.stable({**app, "stack": {"name": "x"}}))


def test_differing_inputs_are_named() -> None:
    recorded = {"given": "g", "source": "s", "code": "c"}
    assert dr.inputs_differing(recorded, recorded) == []
    assert dr.inputs_differing({**recorded, "source": "s2"}, recorded) == ["source"]
    differing = dr.inputs_differing({"given": "x", "source": "s", "code": "y"}, recorded)
    assert differing == ["given", "code"]
    assert dr.in_words(differing) == "the variables and the deployment code differ"
    assert dr.in_words(["source"]) == "the app's source differs"


def test_only_a_new_source_on_an_unchanged_platform_is_source_only() -> None:
    record = {"digest": "d", "state": "s", "recorded_at": "T"}
    assert dr.compare(record, [], "d", "s") == (True, False, "")
    unchanged, source_only, reason = dr.compare(record, ["source"], "d2", "s")
    assert (unchanged, source_only) == (False, True)
    assert reason.startswith("only the app's source differs from the deploy verified at T")
    # A hand change on Heroku or AWS: provisioning must run, whatever else differs.
    unchanged, source_only, reason = dr.compare(record, ["source"], "d2", "s2")
    assert (unchanged, source_only) == (False, False)
    assert reason == (
        "what Heroku or AWS hold differs from the deploy verified at T, "
        "and the app's source differs"
    )
    assert dr.compare(record, ["given", "source"], "d2", "s")[:2] == (False, False)


def test_inputs_count_the_code_and_the_source(tmp_path) -> None:
    code, source = tmp_path / "roles", tmp_path / "app"
    (code / "r" / "tasks").mkdir(parents=True)
    (code / "r" / "tasks" / "main.yml").write_text("---\n")
    source.mkdir()
    (source / "manage.py").write_text("print(1)\n")
    base = dr.inputs_digest({"variables": "v1"}, {"dir": str(source)}, [str(code)])
    assert base == dr.inputs_digest({"variables": "v1"}, {"dir": str(source)}, [str(code)])
    assert base != dr.inputs_digest({"variables": "v2"}, {"dir": str(source)}, [str(code)])
    (code / "r" / "tasks" / "__pycache__").mkdir()
    (code / "r" / "tasks" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert base == dr.inputs_digest({"variables": "v1"}, {"dir": str(source)}, [str(code)])
    (code / "r" / "tasks" / "main.yml").write_text("---\n- name: new\n")
    assert base != dr.inputs_digest({"variables": "v1"}, {"dir": str(source)}, [str(code)])


def test_the_build_version_counts_as_source(tmp_path) -> None:
    source = tmp_path / "app"
    source.mkdir()
    (source / "manage.py").write_text("print(1)\n")
    one = dr.inputs_digest({"variables": "v"}, {"dir": str(source)}, [], "abc123")
    two = dr.inputs_digest({"variables": "v"}, {"dir": str(source)}, [], "def456")
    assert dr.inputs_differing(two, one) == ["source"]


def test_the_record_is_private_atomic_and_only_ours_is_read(tmp_path) -> None:
    path = tmp_path / "deploys" / "app.json"
    assert dr.load(str(path)) == {}
    inputs = {"given": "g", "source": "s", "code": "c"}
    facts = {"check_url": "u"}
    record = dr.new_record("app", "d1", "s1", inputs, {"version": 7}, [{"name": "/x"}], facts)
    dr.save(str(path), record)
    assert dr.load(str(path)) == record
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["app.json"]  # no temporary left
    path.write_text(json.dumps({**record, "version": 99}))
    assert dr.load(str(path)) == {}
    path.write_text("not json")
    assert dr.load(str(path)) == {}
