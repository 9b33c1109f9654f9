"""config_vars and addon against localcloud, through ansible-playbook."""

from __future__ import annotations

from .playbook import api_call, mod, run_play

SECRET = "s3cret-Value-that-must-never-show-9f1c"
ROTATED = "r0tated-Value-that-must-never-show-77aa"


def test_config_vars_sets_exactly_the_given_keys_in_one_patch(heroku, new_app, tmp_path):
    name = new_app()
    redis = heroku.post(f"/apps/{name}/addons", json={"plan": "heroku-redis:mini"}).json()
    heroku.wait_addon(name, redis["id"])
    heroku.patch(f"/apps/{name}/config-vars", json={"LEGACY": "old"}).raise_for_status()
    config = {"SECRET_KEY": SECRET, "DEBUG": False, "WEB_CONCURRENCY": 3}
    before_calls = heroku.calls(name).get("PATCH /apps/{app}/config-vars", 0)
    run = run_play(
        [
            mod("config_vars", check=True, app=name, config=config),
            api_call(f"/apps/{name}/config-vars"),
            mod("config_vars", app=name, config=config),
            mod("config_vars", app=name, config=config),
            mod("config_vars", app=name, config={"SECRET_KEY": ROTATED}, exclusive=True),
            mod("config_vars", app=name, config={"SECRET_KEY": ROTATED}, exclusive=True),
        ],
        tmp_path,
        verbosity=3,  # even the module arguments at -vvv keep the values out
    )
    check, after_check, real, again, exclusive, exclusive_again = run.results
    assert check["changed"] is True
    assert check["changed_keys"] == ["DEBUG", "SECRET_KEY", "WEB_CONCURRENCY"]
    assert "SECRET_KEY" not in after_check["json"]  # check mode wrote nothing
    assert real["changed"] is True and real["changed_keys"] == check["changed_keys"]
    assert again["changed"] is False and again["changed_keys"] == []
    # the add-on's REDIS_URL survives exclusive mode; the unlisted LEGACY key goes
    assert exclusive["changed"] is True
    assert exclusive["removed_keys"] == ["DEBUG", "LEGACY", "WEB_CONCURRENCY"]
    assert "REDIS_URL" in exclusive["keys"]
    assert exclusive_again["changed"] is False
    final = heroku.json_of(f"/apps/{name}/config-vars")
    assert final["SECRET_KEY"] == ROTATED and "REDIS_URL" in final and "LEGACY" not in final
    # one PATCH per changing run: the real run and the exclusive run
    patches = heroku.calls(name)["PATCH /apps/{app}/config-vars"] - before_calls
    assert patches == 2
    # the diff names keys, never values
    assert real["diff"]["after"]["SECRET_KEY"] == "******** (added)"
    assert exclusive["diff"]["after"]["SECRET_KEY"] == "******** (changed)"
    assert "LEGACY" in exclusive["diff"]["before"] and "LEGACY" not in exclusive["diff"]["after"]
    for secret in (SECRET, ROTATED):
        assert secret not in run.output
    assert "SECRET_KEY" in run.stdout


def test_config_vars_diff_shows_public_values_and_masks_secrets(heroku, new_app, tmp_path):
    name = new_app()
    heroku.patch(
        f"/apps/{name}/config-vars",
        json={"DJANGO_SETTINGS_MODULE": "config.settings.hand_edit", "SECRET_KEY": SECRET},
    ).raise_for_status()
    public = {"DJANGO_SETTINGS_MODULE": "config.settings.production"}
    run = run_play(
        [
            mod(
                "config_vars",
                check=True,
                app=name,
                public_config=public,
                config={"SECRET_KEY": ROTATED},
            ),
            mod("config_vars", app=name, public_config=public, config=public),
        ],
        tmp_path,
        verbosity=3,
    )
    check, both = run.results
    assert check["diff"]["before"]["DJANGO_SETTINGS_MODULE"] == "config.settings.hand_edit"
    assert check["diff"]["after"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert check["diff"]["after"]["SECRET_KEY"] == "******** (changed)"
    for secret in (SECRET, ROTATED):
        assert secret not in run.output
    assert heroku.json_of(f"/apps/{name}/config-vars")["SECRET_KEY"] == SECRET  # check mode
    assert both["failed"] and "both set DJANGO_SETTINGS_MODULE" in both["msg"], both


def test_config_vars_values_render_as_strings_and_null_deletes(heroku, new_app, tmp_path):
    name = new_app()
    run = run_play(
        [
            mod("config_vars", app=name, config={"FLAG": True, "COUNT": 12, "GONE": "x"}),
            mod("config_vars", app=name, config={"GONE": None, "NEVER_SET": None}),
        ],
        tmp_path,
    )
    first, second = run.results
    assert first["changed"] is True
    assert second["changed_keys"] == ["GONE"] and second["removed_keys"] == ["GONE"]
    final = heroku.json_of(f"/apps/{name}/config-vars")
    assert final == {"FLAG": "true", "COUNT": "12"}


def test_addon_provisions_waits_and_changes_plan_in_place(heroku, new_app, tmp_path):
    name = new_app()
    spec = {"app": name, "plan": "heroku-redis:mini", "attachment_name": "CACHE"}
    run = run_play(
        [
            mod("addon", check=True, **spec),
            api_call(f"/apps/{name}/addons"),
            mod("addon", **spec),
            mod("addon", **spec),
            mod("addon", check=True, **{**spec, "plan": "heroku-redis:premium-0"}),
            mod("addon", **{**spec, "plan": "heroku-redis:premium-0"}),
            mod("addon", check=True, app=name, attachment_name="CACHE", state="absent"),
            api_call(f"/apps/{name}/addons"),
            mod("addon", app=name, attachment_name="CACHE", state="absent"),
            mod("addon", app=name, attachment_name="CACHE", state="absent"),
        ],
        tmp_path,
    )
    (check, after_check, create, again, plan_check, plan, gone_check, after_gone_check) = (
        run.results[:8]
    )
    gone, gone_again = run.results[8:]
    assert check["changed"] is True and after_check["json"] == []
    assert create["changed"] is True
    assert create["addon"]["state"] == "provisioned"
    assert create["addon"]["config_vars"] == ["CACHE_URL"]
    assert again["changed"] is False
    assert plan_check["changed"] is True, plan_check
    assert plan["changed"] is True
    assert plan["addon"]["id"] == create["addon"]["id"]  # same add-on, new plan
    assert plan["addon"]["plan"]["name"] == "heroku-redis:premium-0"
    assert plan["diff"]["before"]["plan"] == "heroku-redis:mini"
    assert plan["diff"]["after"]["plan"] == "heroku-redis:premium-0"
    assert gone_check["changed"] is True and len(after_gone_check["json"]) == 1
    assert gone["changed"] is True and gone_again["changed"] is False
    assert heroku.json_of(f"/apps/{name}/addons") == []


def test_addon_waits_through_slow_provisioning(heroku, new_app, tmp_path):
    name = new_app()
    heroku.add_fault(kind="provision_delay", seconds=3, app=name)
    try:
        (result,) = run_play([mod("addon", app=name, plan="heroku-redis:mini")], tmp_path).results
    finally:
        heroku.clear_faults()
    assert result["changed"] is True
    assert result["addon"]["state"] == "provisioned"
    assert result["api_calls"] > 3  # it polled


def test_addon_fails_fast_naming_a_failed_provisioning_and_a_retry_succeeds(
    heroku, new_app, tmp_path
):
    name = new_app()
    heroku.add_fault(kind="provision_fail", app=name, message="no capacity in us-east-1")
    spec = {"app": name, "plan": "heroku-redis:mini", "wait_timeout": 600}
    run = run_play([mod("addon", **spec), mod("addon", **spec)], tmp_path)
    failed, retried = run.results
    assert failed["failed"] is True
    assert "was not provisioned (state deprovisioned)" in failed["msg"]
    assert "no capacity in us-east-1" in failed["msg"]
    assert retried["changed"] is True and retried["addon"]["state"] == "provisioned"
    assert "REDIS_URL" in heroku.json_of(f"/apps/{name}/config-vars")
