"""pipeline, pipeline_coupling and pipeline_promotion against localcloud (ansible-playbook)."""

from __future__ import annotations

import uuid

from .playbook import mod, run_play


def test_pipeline_and_couplings_are_idempotent_with_check_mode_and_diff(heroku, new_app, tmp_path):
    name, second = f"pl-{uuid.uuid4().hex[:8]}", f"pl-{uuid.uuid4().hex[:8]}"
    staging, other = new_app("plst"), new_app("plot")
    couple = {"app": staging, "pipeline": name, "stage": "staging"}
    run = run_play(
        [
            mod("pipeline", check=True, name=name),
            mod("pipeline", name=name),
            mod("pipeline", name=name),
            mod("pipeline_coupling", check=True, **couple),
            mod("pipeline_coupling", **couple),
            mod("pipeline_coupling", **couple),
            mod("pipeline_coupling", **{**couple, "stage": "development"}),
            mod("pipeline_coupling", app=other, pipeline="no-such-pipeline", stage="staging"),
            mod("pipeline", name=second),
            mod("pipeline_coupling", app=staging, pipeline=second, stage="staging"),
            mod("pipeline_coupling", app=staging, pipeline=second, state="absent"),
            mod("pipeline", name=second, state="absent"),
            mod("pipeline", name="Bad_Name"),
            mod("pipeline_coupling", app=staging, state="absent"),
            mod("pipeline", name=name, state="absent"),
        ],
        tmp_path,
    )
    (check, create, again, c_check, c_create, c_again, restage, missing, _, moved, off_other, _,
     bad, gone, deleted) = run.results  # fmt: skip
    assert check["changed"] and check["diff"] == {"before": {}, "after": {"name": name}}
    assert create["changed"] and create["pipeline"]["id"] and not again["changed"]
    assert c_check["changed"] and c_create["changed"] and not c_again["changed"]
    assert c_create["diff"]["after"] == {"pipeline": name, "stage": "staging"}
    assert restage["changed"] and restage["coupling"]["stage"] == "development"
    assert restage["diff"]["before"]["stage"] == "staging"
    assert missing["failed"] and "Pipeline no-such-pipeline does not exist" in missing["msg"]
    # An app on one pipeline is not moved silently, and leaving another pipeline is a no-op.
    assert (
        moved["failed"]
        and f"is on pipeline {name} (stage development), not {second}" in moved["msg"]
    )
    assert not off_other["changed"] and not off_other.get("failed")
    assert bad["failed"] and "'Bad_Name' is not a valid pipeline name" in bad["msg"]
    assert bad["api_calls"] == 0
    assert gone["changed"] and deleted["changed"]
    assert heroku.get(f"/apps/{staging}/pipeline-couplings").status_code == 404
    assert heroku.get(f"/pipelines/{name}").status_code == 404


def test_promotion_moves_the_slug_downstream_only_and_fails_naming_why(
    heroku, new_app, source_app, tmp_path
):
    name = f"pl-{uuid.uuid4().hex[:8]}"
    staging, production, loner = new_app("plst"), new_app("plpr"), new_app("pllo")
    setup = run_play(
        [
            mod("pipeline", name=name),
            mod("pipeline_coupling", app=staging, pipeline=name, stage="staging"),
            mod("pipeline_coupling", app=production, pipeline=name, stage="production"),
            mod("build", app=staging, source_dir=str(source_app), version="c0ffee1"),
        ],
        tmp_path / "setup",
    )
    assert not any(r.get("failed") for r in setup.results), setup.output[-3000:]
    slug_id = setup.results[3]["build"]["slug"]["id"]
    run = run_play(
        [
            mod("pipeline_promotion", check=True, source=staging, to_stage="production"),
            mod("pipeline_promotion", source=staging),
            mod("pipeline_promotion", source=staging, to_stage="production"),
            mod("pipeline_promotion", source=production, to=[staging]),
            mod("pipeline_promotion", source=loner),
        ],
        tmp_path / "promote",
    )
    check, promoted, again, upstream, no_pipeline = run.results
    assert check["changed"] and check["promotion"] == {}
    assert check["targets"][0]["status"] == "pending"
    assert check["diff"]["after"][production].startswith(f"slug {slug_id[:8]}")
    assert check["diff"]["before"][production] == "v1 (slug none)"
    assert promoted["changed"] and promoted["targets"][0]["status"] == "succeeded"
    assert promoted["slug"]["id"] == slug_id
    serving = [r for r in heroku.json_of(f"/apps/{production}/releases") if r["current"]]
    assert [r["slug"]["id"] for r in serving] == [slug_id]
    assert heroku.json_of(f"/apps/{production}/builds") == []
    assert not again["changed"] and again["targets"][0]["status"] == "unchanged"
    assert (
        upstream["failed"]
        and "Cannot promote from stage production to staging" in (upstream["msg"])
    )
    assert no_pipeline["failed"] and f"App {loner} is on no pipeline" in no_pipeline["msg"]

    # A release phase that fails on the target: production keeps serving, the module says why.
    rebuild = run_play(
        [mod("build", app=staging, source_dir=str(source_app), version="c0ffee2", force=True)],
        tmp_path / "rebuild",
    )
    assert rebuild.results[0]["changed"], rebuild.output[-2000:]
    heroku.add_fault(kind="release_fail", app=production)
    (failed,) = run_play(
        [mod("pipeline_promotion", source=staging, to=[production])], tmp_path / "fail"
    ).results
    assert failed["failed"]
    assert f"failed on {production}: Release v" in failed["msg"]
    assert f"v{serving[0]['version']} keeps serving" in failed["msg"]
    assert "fault injected" in failed["msg"]
    still = [r for r in heroku.json_of(f"/apps/{production}/releases") if r["current"]]
    assert [r["id"] for r in still] == [serving[0]["id"]]
    heroku.delete(f"/pipelines/{name}")
