"""app, app_info and feature against localcloud, through ansible-playbook."""

from __future__ import annotations

from .conftest import app_name
from .playbook import api_call, mod, run_play


def test_app_is_created_updated_and_deleted_idempotently(heroku, tmp_path):
    name = app_name()
    spec = {"name": name, "region": "eu", "stack": "heroku-24", "buildpacks": ["heroku/python"]}
    run = run_play(
        [
            mod("app", check=True, **spec),
            api_call(f"/apps/{name}"),
            mod("app", **spec),
            mod("app", **spec),
            mod("app", check=True, name=name, maintenance=True),
            mod("app", name=name, maintenance=True),
            mod("app", check=True, name=name, state="absent"),
            api_call(f"/apps/{name}"),
            mod("app", name=name, state="absent"),
            mod("app", name=name, state="absent"),
        ],
        tmp_path,
    )
    check, after_check, create, again, maint_check, maint, del_check, after_del_check = run.results[
        :8
    ]
    delete, delete_again = run.results[8:]
    assert check["changed"] is True
    assert after_check["status"] == 404  # check mode created nothing
    assert create["changed"] is True
    assert create["app"]["region"]["name"] == "eu"
    assert create["diff"] == check["diff"]
    assert create["diff"]["after"]["buildpacks"] == ["heroku/python"]
    assert again["changed"] is False
    assert maint_check["changed"] is True and maint["changed"] is True
    assert maint["diff"]["before"]["maintenance"] is False
    assert maint["diff"]["after"]["maintenance"] is True
    assert del_check["changed"] is True
    assert after_del_check["status"] == 200  # still there after the check-mode delete
    assert delete["changed"] is True and delete_again["changed"] is False, (delete, delete_again)
    assert heroku.get(f"/apps/{name}").status_code == 404
    # --diff shows the change to a person, not only in the result
    assert "--- before" in run.stdout and "+++ after" in run.stdout
    assert '+    "maintenance": true' in run.stdout


def test_app_refuses_to_move_region(new_app, tmp_path):
    name = new_app(region="us")
    (result,) = run_play([mod("app", name=name, region="eu")], tmp_path).results
    assert result["failed"] is True
    assert "region us" in result["msg"] and "cannot change" in result["msg"]


def test_app_info_reads_releases_formation_features(heroku, new_app, tmp_path):
    name = new_app()
    heroku.patch(f"/apps/{name}/config-vars", json={"A": "1"}).raise_for_status()
    heroku.patch(f"/apps/{name}/config-vars", json={"B": "2"}).raise_for_status()
    run = run_play(
        [
            mod("app_info", name=name),
            mod("app_info", name="coll-does-not-exist", missing_ok=True),
            mod("app_info", check=True, name="coll-does-not-exist"),
        ],
        tmp_path,
    )
    info, missing, planned = run.results
    assert info["changed"] is False and info["exists"] is True
    versions = [r["version"] for r in info["releases"]]
    assert versions == sorted(versions) and len(versions) >= 2
    assert info["current_release"]["version"] == versions[-1]
    assert {f["name"] for f in info["features"]} >= {"preboot"}
    assert isinstance(info["formation"], list) and info["addons"] == []
    assert missing["exists"] is False and missing["failed"] is False
    # in check mode the app may only be planned by an earlier task: not an error
    assert planned["exists"] is False and planned["failed"] is False


def test_feature_toggles_with_check_mode_and_diff(heroku, new_app, tmp_path):
    name = new_app()
    run = run_play(
        [
            mod("feature", check=True, app=name, name="preboot", enabled=True),
            api_call(f"/apps/{name}/features/preboot"),
            mod("feature", app=name, name="preboot", enabled=True),
            mod("feature", app=name, name="preboot", enabled=True),
        ],
        tmp_path,
    )
    check, after_check, enable, again = run.results
    assert check["changed"] is True
    assert after_check["json"]["enabled"] is False
    assert enable["changed"] is True and enable["feature"]["enabled"] is True
    assert enable["diff"] == {"before": {"preboot": False}, "after": {"preboot": True}}
    assert again["changed"] is False
    assert heroku.json_of(f"/apps/{name}/features/preboot")["enabled"] is True


def test_app_info_reads_only_the_named_config_vars_and_the_serving_slug(heroku, new_app, tmp_path):
    name = new_app()
    heroku.patch(
        f"/apps/{name}/config-vars",
        json={"SKILLSTREAM_VERIFIED_SLUG": "slug-1", "SECRET_KEY": "s3cr3t-value-xyz"},
    ).raise_for_status()
    run = run_play(
        [
            mod("app_info", name=name, config_vars=["SKILLSTREAM_VERIFIED_SLUG", "UNSET"]),
            mod("app_info", name=name, serving_slug=True),
        ],
        tmp_path,
    )
    named, slugless = run.results
    assert named["config_vars"] == {"SKILLSTREAM_VERIFIED_SLUG": "slug-1"}
    assert "s3cr3t-value-xyz" not in run.output
    assert named["serving_slug"] == {}  # not asked
    # no release with a slug yet: nothing to read, not an error
    assert slugless["failed"] is False and slugless["serving_slug"] == {}
    assert slugless["config_vars"] == {}
