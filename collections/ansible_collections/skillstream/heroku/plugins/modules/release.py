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
  - V(previous) means the newest release before the serving one that can serve, that no later
    rollback undid, and that runs other code or config than the serving one (unlike
    C(heroku rollback), it never puts back a release an automatic rollback undid). Each run
    acts again relative to the serving release; use O(from_release) to make an automatic
    rollback act only once. The policy lives in C(module_utils/rollback_policy.py), which the
    C(previous_good_release) filter shares.
  - A named version is idempotent; when the serving release already is that version, or
    a rollback to it, nothing changes.
  - Refuses unknown releases and releases that cannot be rolled back to (failed, pending,
    without a slug, or not eligible), naming the reason.
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
  - skillstream.heroku.options.app
options:
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
commits:
  description: The source commit of the slug of the release serving before and of the target.
  returned: when a target was resolved
  type: dict
  sample: {"before": "abc123+m.0f3c9a1b2c3d", "target": "0a1b2c3+m.9e8d7c6b5a4f"}
web_url:
  description: Where the app serves.
  returned: always
  type: str
"""

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
from ansible_collections.skillstream.heroku.plugins.module_utils.rollback_policy import (
    RollbackRefused,
    is_rollback_to,
    parse_version,
    pick_target,
)


def slug_commit(client, app, release):
    slug = (release or {}).get("slug") or {}
    if not slug.get("id"):
        return ""
    found = client.get(app_path(app, "slugs", slug["id"]), missing_ok=True) or {}
    return found.get("commit") or ""


def run(hm):
    client, p = hm.client, hm.params
    app = p["app"]
    releases = list_releases(client, app)
    current = current_release(releases)
    web_url = (client.get(app_path(app)) or {}).get("web_url") or ""
    try:
        undo = p["from_release"] and parse_version(p["from_release"], "from_release")
        if undo and current and undo != current["version"]:
            # the release we meant to undo is no longer serving
            return {"changed": False, "release": current, "previous_release": current,
                    "web_url": web_url}  # fmt: skip
        target = pick_target(releases, current, p["rollback_to"])
    except RollbackRefused as exc:
        serving = " v%s keeps serving." % current["version"] if current else ""
        raise ModuleFailure(exc.msg + serving) from None
    result = {
        "changed": False,
        "release": current,
        "previous_release": current,
        "target_release": target,
        "web_url": web_url,
        "commits": {
            "before": slug_commit(client, app, current),
            "target": slug_commit(client, app, target),
        },
        "diff": {
            "before": {"release": "v%s" % current["version"]},
            "after": {"release": "v%s" % current["version"]},
        },
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
