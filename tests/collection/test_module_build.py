"""build, release and formation against localcloud: real builds, release phases, rollbacks."""

from __future__ import annotations

import pytest

from .conftest import create_app, make_source
from .playbook import api_call, mod, run_play


def current_version(heroku, name: str) -> int:
    return next(r["version"] for r in heroku.json_of(f"/apps/{name}/releases") if r["current"])


@pytest.fixture(scope="module")
def deployed(heroku, tmp_path_factory):
    """One app for this file, with a first build released through the module."""
    source_app = make_source(tmp_path_factory.mktemp("src"))
    name = create_app(heroku)
    tmp_path = tmp_path_factory.mktemp("deploy")
    run = run_play(
        [
            mod("build", check=True, app=name, source_dir=str(source_app), version="c0ffee1"),
            api_call(f"/apps/{name}/builds"),
            mod("build", app=name, source_dir=str(source_app), version="c0ffee1"),
            mod("build", app=name, source_dir=str(source_app), version="c0ffee1"),
        ],
        tmp_path,
    )
    yield name, run, source_app
    heroku.delete(f"/apps/{name}")


def test_build_packs_uploads_builds_releases_then_skips(heroku, deployed):
    name, run, _ = deployed
    check, builds_after_check, build, again = run.results
    assert check["changed"] is True and check["skipped"] is False
    assert builds_after_check["json"] == []  # check mode uploaded and built nothing
    assert build["changed"] is True and build["skipped"] is False
    assert build["checksum"] == check["checksum"]
    assert build["checksum"].startswith("SHA256:") and len(build["checksum"]) == 71
    assert build["build"]["status"] == "succeeded"
    assert build["build"]["source_blob"]["checksum"] == build["checksum"]
    assert build["build"]["source_blob"]["version"] == "c0ffee1"
    assert build["release"]["status"] == "succeeded"
    assert "Procfile declares types" in build["log"]
    assert build["diff"]["after"]["checksum"] == build["checksum"]
    # the second run finds the serving release was built from the same bytes
    assert again["changed"] is False and again["skipped"] is True
    assert again["release"]["version"] == build["release"]["version"]
    assert len(heroku.json_of(f"/apps/{name}/builds")) == 1


def test_release_rolls_back_and_refuses_what_it_cannot(heroku, deployed, tmp_path):
    name, first, source_app = deployed
    v1 = first.results[2]["release"]["version"]
    (source_app / "app.py").write_text("VERSION = 2\n")
    run = run_play(
        [
            mod("build", app=name, source_dir=str(source_app), version="c0ffee2"),
            mod("release", check=True, app=name, rollback_to=f"v{v1}"),
            api_call(f"/apps/{name}/releases"),
            mod("release", app=name, rollback_to=f"v{v1}"),
            mod("release", app=name, rollback_to=str(v1)),
            mod("release", app=name, rollback_to="previous", from_release="v1"),
            mod("release", app=name, rollback_to="v999"),
            mod("release", app=name, rollback_to="v1"),
            mod("release", app=name, rollback_to="yesterday"),
        ],
        tmp_path,
    )
    build2, check, releases_after_check, rollback, again, guarded, unknown, no_slug, bad = (
        run.results
    )
    v2 = build2["release"]["version"]
    assert build2["changed"] is True and v2 > v1
    assert check["changed"] is True
    assert max(r["version"] for r in releases_after_check["json"]) == v2
    assert rollback["changed"] is True
    assert rollback["previous_release"]["version"] == v2
    assert rollback["release"]["version"] == v2 + 1
    assert rollback["release"]["status"] == "succeeded"
    assert rollback["release"]["description"] == f"Rollback to v{v1}"
    assert rollback["diff"]["before"] == {"release": f"v{v2}"}
    assert again["changed"] is False  # already running v1's code and config
    assert guarded["changed"] is False  # v1 is not the serving release
    assert unknown["failed"] is True and "v999 does not exist" in unknown["msg"]
    assert no_slug["failed"] is True and "Cannot roll back to v1" in no_slug["msg"]
    assert bad["failed"] is True and "'previous', 'vN' or N" in bad["msg"]
    current = [r for r in heroku.json_of(f"/apps/{name}/releases") if r["current"]]
    assert current[0]["version"] == v2 + 1
    # a build of the code that is serving again is skipped
    (source_app / "app.py").write_text("VERSION = 1\n")
    (skip,) = run_play(
        [mod("build", app=name, source_dir=str(source_app), version="c0ffee1")], tmp_path / "again"
    ).results
    assert skip["skipped"] is True and skip["changed"] is False


def test_formation_applies_in_one_patch(heroku, deployed, tmp_path):
    name, _, _ = deployed
    before = heroku.calls(name).get("PATCH /apps/{app}/formation", 0)
    procs = [{"type": "web", "quantity": 2, "size": "standard-1X"}]
    run = run_play(
        [
            mod("formation", check=True, app=name, processes=procs),
            api_call(f"/apps/{name}/formation/web"),
            mod("formation", app=name, processes=procs),
            mod("formation", app=name, processes=procs),
            mod("formation", app=name, processes=[{"type": "clock", "quantity": 1}]),
        ],
        tmp_path,
    )
    check, after_check, scale, again, unknown = run.results
    assert check["changed"] is True
    assert after_check["json"]["quantity"] == 1
    assert scale["changed"] is True
    assert scale["diff"]["before"]["web"].startswith("1 x")
    assert scale["diff"]["after"]["web"].lower() == "2 x standard-1x"
    web = heroku.json_of(f"/apps/{name}/formation/web")
    assert web["quantity"] == 2 and web["size"].lower() == "standard-1x"
    assert again["changed"] is False
    assert heroku.calls(name)["PATCH /apps/{app}/formation"] - before == 1  # one batch
    assert unknown["failed"] is True
    assert "has no process type clock; its release declares: web" in unknown["msg"]


def test_failed_build_and_failed_release_phase_fail_the_module(heroku, deployed, tmp_path):
    name, _, source_app = deployed
    (source_app / "app.py").write_text("VERSION = 3\n")
    serving = current_version(heroku, name)
    heroku.add_fault(kind="build_fail", app=name)
    try:
        (broken_build,) = run_play(
            [mod("build", app=name, source_dir=str(source_app), force=True)], tmp_path / "b"
        ).results
    finally:
        heroku.clear_faults()
    assert broken_build["failed"] is True
    assert f"of app {name} failed. Build log (tail):" in broken_build["msg"]
    assert broken_build["log"]
    heroku.add_fault(kind="release_fail", app=name)
    try:
        (broken_release,) = run_play(
            [mod("build", app=name, source_dir=str(source_app), force=True)], tmp_path / "r"
        ).results
    finally:
        heroku.clear_faults()
    assert broken_release["failed"] is True
    assert "failed (status failed) in its release phase" in broken_release["msg"]
    assert "Release output (tail):" in broken_release["msg"]
    assert current_version(heroku, name) == serving  # the old release keeps serving


def test_app_info_settles_a_release_still_in_its_release_phase(heroku, tmp_path):
    """A config change starts a release whose phase takes seconds: app_info with
    settle_timeout reads the release that will serve, not the one it replaces."""
    source = make_source(tmp_path / "slow-release")
    (source / "Procfile").write_text("web: python -m http.server $PORT\nrelease: sleep 6\n")
    name = create_app(heroku)
    try:
        run = run_play(
            [
                mod("build", app=name, source_dir=str(source), version="5e771e1"),
                api_call(f"/apps/{name}/config-vars", method="PATCH", body={"FLAG": "on"}),
                mod("app_info", name=name),
                mod("app_info", name=name, settle_timeout=60),
                mod("app_info", name=name, settle_timeout=-1),
            ],
            tmp_path,
        )
        build, _, at_once, settled, negative = run.results
        built = build["release"]["version"]
        # read at once: the config release is still pending and the built one serves
        assert at_once["current_release"]["version"] == built
        assert at_once["releases"][-1]["status"] == "pending"
        assert settled["current_release"]["version"] == built + 1
        assert settled["releases"][-1]["status"] == "succeeded"
        assert negative["failed"] and "settle_timeout" in negative["msg"]
    finally:
        heroku.delete(f"/apps/{name}")
