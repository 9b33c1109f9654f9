"""The decisions inside the modules, one function at a time (no API, no Ansible run)."""

from __future__ import annotations

import pytest
from ansible_collections.skillstream.heroku.plugins.filter.rollback import previous_good_release
from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    masked_config_diff,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.resources import (
    addon_config_keys,
    current_release,
    redact_url,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.rollback_policy import (
    RollbackRefused,
    is_rollback_to,
    pick_target,
)
from ansible_collections.skillstream.heroku.plugins.modules.config_vars import plan_patch
from ansible_collections.skillstream.heroku.plugins.modules.formation import plan_updates


def release(version, status="succeeded", slug=True, current=False, description="Deploy"):
    return {
        "id": f"r{version}",
        "version": version,
        "status": status,
        "slug": {"id": f"s{version}"} if slug else None,
        "current": current,
        "description": description,
    }


def test_plan_patch_sets_only_what_differs_and_null_deletes():
    current = {"A": "1", "B": "2", "KEEP": "x"}
    wanted = {"A": "1", "B": 3, "C": True, "GONE": None, "KEEP": None}
    assert plan_patch(current, wanted, exclusive=False, protected=set()) == {
        "B": "3",
        "C": "true",
        "KEEP": None,
    }


def test_plan_patch_exclusive_removes_unlisted_but_protected_keys():
    current = {"A": "1", "OLD": "x", "DATABASE_URL": "postgres://"}
    patch = plan_patch(current, {"A": "1"}, exclusive=True, protected={"DATABASE_URL"})
    assert patch == {"OLD": None}


def test_masked_config_diff_shows_keys_never_values():
    diff = masked_config_diff({"A": "secret-a", "B": "b"}, {"A": "secret-z", "C": "c"})
    assert diff == {
        "before": {"A": "********", "B": "********"},
        "after": {"A": "******** (changed)", "C": "******** (added)"},
    }
    assert "secret" not in repr(diff)


def test_masked_config_diff_shows_public_values_like_a_plan():
    before = {"DJANGO_SETTINGS_MODULE": "config.settings.local", "SECRET_KEY": "secret-a"}
    after = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": "secret-z"}
    diff = masked_config_diff(before, after, public_keys=["DJANGO_SETTINGS_MODULE"])
    assert diff == {
        "before": {"DJANGO_SETTINGS_MODULE": "config.settings.local", "SECRET_KEY": "********"},
        "after": {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "******** (changed)",
        },
    }


def test_formation_updates_hold_only_changed_types_and_ignore_size_case():
    current = [
        {"type": "web", "quantity": 1, "size": "Standard-1X"},
        {"type": "worker", "quantity": 1, "size": "Standard-1X"},
    ]
    wanted = [
        {"type": "web", "quantity": 2, "size": "standard-1x"},
        {"type": "worker", "quantity": 1, "size": None},
    ]
    assert plan_updates(current, wanted) == [{"type": "web", "quantity": 2}]


def test_previous_skips_failed_and_slugless_releases():
    releases = [
        release(1, slug=False),
        release(2),
        release(3, status="failed"),
        release(4, slug=False),
        release(5, current=True),
    ]
    assert pick_target(releases, releases[-1], "previous")["version"] == 2


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ("v9", "Release v9 does not exist (releases are v1..v3)"),
        ("2", "Cannot roll back to v2: its status is failed"),
        ("v1", "Cannot roll back to v1: it has no slug"),
        ("latest", "rollback_to must be 'previous', 'vN' or N"),
    ],
)
def test_rollback_refuses_with_a_reason(wanted, message):
    releases = [release(1, slug=False), release(2, status="failed"), release(3, current=True)]
    with pytest.raises(RollbackRefused) as caught:
        pick_target(releases, releases[-1], wanted)
    assert message in caught.value.msg


def test_previous_in_the_module_and_the_filter_is_one_policy():
    # right after an automatic rollback (v5 re-runs v3), "previous" skips the undone v4
    releases = [release(2), release(3), release(4), release(5, current=True,
                description="Rollback to v3")]  # fmt: skip
    assert pick_target(releases, releases[-1], "previous") == previous_good_release(
        releases, releases[-1]
    )
    assert pick_target(releases, releases[-1], "previous")["version"] == 2
    with pytest.raises(RollbackRefused, match="there is no earlier successful release"):
        pick_target([release(1, current=True)], release(1, current=True), "previous")


def good_release_before(releases):
    target = previous_good_release(releases, releases[-1])
    return target.get("version")


def test_previous_good_release_skips_the_release_an_automatic_rollback_undid():
    # v3 good, v4 broken and rolled back by the deploy (v5): rollback.yml must not pick v4,
    # and v3 is what serves already, so it goes one further back, to v2.
    releases = [
        release(1, slug=False),
        release(2),
        release(3),
        release(4),
        release(5, current=True, description="Rollback to v3"),
    ]
    assert good_release_before(releases) == 2


def test_previous_good_release_follows_rollback_chains_and_config_changes():
    chain = [
        release(2),
        release(3),
        release(4),
        release(5, description="Rollback to v3"),
        release(6),
        release(7, current=True, description="Rollback to v5"),
    ]
    # v7 runs v5 which runs v3; v4 and v6 were undone
    assert good_release_before(chain) == 2
    config_change = [release(2), release(3), release(4, current=True, description="Set FLAG")]
    assert good_release_before(config_change) == 3  # the old config with the same code
    assert good_release_before([release(1, slug=False), release(2, current=True)]) is None
    assert previous_good_release([release(2)], {}) == {}


def test_previous_good_release_skips_failed_ineligible_and_slugless_releases():
    ineligible = {**release(3), "eligible_for_rollback": False}
    releases = [release(1), release(2, status="failed"), ineligible, release(4, slug=False)]
    assert good_release_before([*releases, release(5, current=True)]) == 1


def test_a_rollback_release_counts_as_the_target():
    assert is_rollback_to(release(9, description="Rollback to v7"), release(7))
    assert not is_rollback_to(release(9, description="Deploy abc"), release(7))


def test_current_release_prefers_herokus_flag_then_the_newest_success():
    assert current_release([release(1, current=True), release(2)])["version"] == 1
    assert current_release([release(1), release(2), release(3, status="failed")])["version"] == 2
    assert current_release([]) is None


def test_redact_url_hides_password_path_and_query():
    assert redact_url("syslog+tls://u:pw@logs.example.com:6514/x") == (
        "syslog+tls://u:********@logs.example.com:6514/********"
    )
    assert redact_url("https://in.logs.example.com/v1/t0ken?k=s3cret#f") == (
        "https://in.logs.example.com/********?********"
    )
    assert redact_url("syslog+tls://logs.example.com:6514") == "syslog+tls://logs.example.com:6514"
    assert redact_url("https://logs.example.com/") == "https://logs.example.com/"


class ListingClient:
    """Answers the add-on listings of one app from dicts and records every GET."""

    def __init__(self, listings: dict[str, list]):
        self.listings = listings
        self.paths: list[str] = []

    def get_all(self, path):
        self.paths.append(path)
        return self.listings[path]

    def get(self, path, missing_ok=False):
        self.paths.append(path)
        return self.listings[path]


def test_addon_config_keys_reads_an_add_ons_config_only_when_its_list_does_not_cover_it():
    client = ListingClient(
        {
            "/apps/demo/addons": [
                {"id": "pg", "config_vars": ["DATABASE_URL"]},
                {"id": "shared", "config_vars": ["OTHER_URL"]},  # owned by another app
            ],
            "/apps/demo/addon-attachments": [
                {"name": "DATABASE", "addon": {"id": "pg"}},
                {"name": "BLUE", "addon": {"id": "pg"}},  # a second name for the same add-on
                {"name": "SHARED", "addon": {"id": "shared"}},
            ],
            "/addons/pg/config": [{"name": "URL"}],
            "/addons/shared/config": [{"name": "URL"}, {"name": "TOKEN"}],
        }
    )
    keys = addon_config_keys(client, "demo")
    assert keys == {"DATABASE_URL", "OTHER_URL", "BLUE_URL", "SHARED_URL", "SHARED_TOKEN"}
    # DATABASE is covered by the add-on's own list: no request for it
    assert client.paths.count("/addons/pg/config") == 1  # for BLUE only
    assert client.paths.count("/addons/shared/config") == 1
