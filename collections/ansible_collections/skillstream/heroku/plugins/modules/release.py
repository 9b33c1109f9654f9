#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: release
short_description: Roll a Heroku app back to an earlier release
version_added: 1.0.0
description:
  - Creates a new release that runs the slug and config vars of an earlier release
    (a rollback, C(POST /apps/{app}/releases) with the release id), then waits until it
    succeeded.
  - V(previous) means the newest release before the serving one that succeeded and has a
    slug, like C(heroku rollback). Each run acts again relative to the serving release;
    use O(from_release) to make an automatic rollback act only once.
  - A named version is idempotent; when the serving release already is that version, or
    a rollback to it, nothing changes.
  - Refuses unknown releases and releases that cannot be rolled back to (failed, pending,
    without a slug, or not eligible), naming the reason.
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
options:
  app:
    description: Name of the app.
    type: str
    required: true
  rollback_to:
    description: V(previous), or a version as C(v7) or C(7).
    type: str
    required: true
  from_release:
    description:
      - Roll back only while this release (C(v8) or C(8)) is the serving one; otherwise
        report no change. Makes a health-check-triggered rollback safe to re-run.
    type: str
  wait_timeout:
    description: Seconds to wait for the new release (its release phase included).
    type: int
    default: 600
"""

EXAMPLES = r"""
- name: Roll back the release that failed its health check
  skillstream.heroku.release:
    app: skillstream-production
    rollback_to: previous
    from_release: "v{{ heroku_app_build.release.version }}"

- name: Roll back to a known good version
  skillstream.heroku.release:
    app: skillstream-production
    rollback_to: v41
"""

RETURN = r"""
release:
  description: The release serving after the run (the new rollback release when changed).
  returned: always
  type: dict
  sample: {"version": 9, "description": "Rollback to v7", "status": "succeeded"}
previous_release:
  description: The release that was serving before the run.
  returned: always
  type: dict
target_release:
  description: The release whose slug and config were rolled back to.
  returned: when a target was resolved
  type: dict
"""

import re

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    ModuleFailure,
    app_path,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.resources import (
    current_release,
    list_releases,
    wait_for_release,
)


def parse_version(text, option):
    match = re.match(r"^v?(\d+)$", str(text).strip(), re.IGNORECASE)
    if not match:
        raise ModuleFailure("%s must be 'previous', 'vN' or N, got %r" % (option, text))
    return int(match.group(1))


def ineligible_reason(release):
    if release.get("status") != "succeeded":
        return "its status is %s" % release.get("status")
    if not (release.get("slug") or {}).get("id"):
        return "it has no slug"
    if release.get("eligible_for_rollback") is False:
        return "Heroku marks it not eligible for rollback"
    return None


def pick_target(releases, current, rollback_to):
    if rollback_to == "previous":
        for release in reversed(releases):
            if release["version"] < current["version"] and not ineligible_reason(release):
                return release
        raise ModuleFailure(
            "No release before v%s succeeded with a slug; nothing to roll "
            "back to" % current["version"]
        )
    version = parse_version(rollback_to, "rollback_to")
    by_version = dict((r["version"], r) for r in releases)
    target = by_version.get(version)
    if target is None:
        known = "v%s..v%s" % (releases[0]["version"], releases[-1]["version"])
        raise ModuleFailure("Release v%s does not exist (releases are %s)" % (version, known))
    reason = ineligible_reason(target)
    if reason:
        raise ModuleFailure("Cannot roll back to v%s: %s" % (version, reason))
    return target


def is_rollback_to(release, target):
    description = release.get("description") or ""
    return (
        release["version"] == target["version"]
        or description.strip().lower() == "rollback to v%s" % target["version"]
    )


def run(hm):
    client, p = hm.client, hm.params
    app = p["app"]
    releases = list_releases(client, app)
    current = current_release(releases)
    if not current:
        raise ModuleFailure("App %s has no release yet; nothing to roll back" % app)
    result = {"changed": False, "release": current, "previous_release": current}
    if p["from_release"] and parse_version(p["from_release"], "from_release") != current["version"]:
        return result  # the release we meant to undo is no longer serving
    target = pick_target(releases, current, p["rollback_to"])
    result["target_release"] = target
    result["diff"] = {
        "before": {"release": "v%s" % current["version"]},
        "after": {"release": "v%s" % current["version"]},
    }
    if p["rollback_to"] != "previous" and is_rollback_to(current, target):
        return result
    result["changed"] = True
    result["diff"]["after"]["release"] = "rollback to v%s" % target["version"]
    if hm.check_mode:
        return result

    def recover():
        for release in list_releases(client, app):
            if release["version"] > current["version"] and is_rollback_to(release, target):
                return release
        return None

    new = client.post(app_path(app, "releases"), {"release": target["id"]}, recover=recover)
    new = wait_for_release(client, app, new, p["wait_timeout"])
    result["release"] = new
    result["diff"]["after"]["release"] = "v%s (rollback to v%s)" % (
        new["version"],
        target["version"],
    )
    return result


def main():
    spec = dict(
        app=dict(type="str", required=True),
        rollback_to=dict(type="str", required=True),
        from_release=dict(type="str"),
        wait_timeout=dict(type="int", default=600),
    )
    HerokuModule(spec).run(run)


if __name__ == "__main__":
    main()
