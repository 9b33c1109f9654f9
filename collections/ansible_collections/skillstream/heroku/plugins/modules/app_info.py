#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_info
short_description: Read a Heroku app with its releases, formation, features, add-ons and domains
version_added: 1.0.0
description:
  - Reads everything a deploy or a rollback decides on in one call.
  - Never changes anything.
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
attributes:
  diff_mode:
    support: none
    description: Reads only.
options:
  name:
    description: Name of the app.
    type: str
    required: true
  missing_ok:
    description:
      - When true, a missing app is not an error; RV(exists) is false and the other
        values are empty.
      - In check mode a missing app is never an error, because an earlier task may only
        have planned to create it.
    type: bool
    default: false
  settle_timeout:
    description:
      - Seconds to wait for releases still in their release phase (status C(pending)) to
        finish before reading, so that RV(current_release) is the release that will serve
        and not the one a pending release is about to replace. An add-on attach or a
        config change starts such a release.
      - A pending release that then fails is not an error here; the release before it stays
        current. Still pending after this many seconds is an error naming the release.
      - C(0) reads at once.
    type: int
    default: 0
"""

EXAMPLES = r"""
- name: Read the app and its releases
  skillstream.heroku.app_info:
    name: skillstream-production
  register: skillstream_app

- name: Show the release that is serving
  ansible.builtin.debug:
    msg: "{{ skillstream_app.current_release.version }}"
"""

RETURN = r"""
exists:
  description: Whether the app exists.
  returned: always
  type: bool
app:
  description: The app.
  returned: always
  type: dict
releases:
  description: Every release of the app, newest last.
  returned: always
  type: list
  elements: dict
current_release:
  description: The release that is serving (Heroku's C(current) flag, else the newest success).
  returned: always
  type: dict
  sample: {"version": 7, "status": "succeeded", "current": true, "slug": {"id": "..."}}
formation:
  description: The process formation.
  returned: always
  type: list
  elements: dict
features:
  description: The app features (name and C(enabled)).
  returned: always
  type: list
  elements: dict
addons:
  description: The add-ons of the app, with their C(state) and C(config_vars) names.
  returned: always
  type: list
  elements: dict
domains:
  description: The custom and default domains of the app.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    ModuleFailure,
    app_path,
    wait_for,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.resources import (
    current_release,
    list_releases,
)


def run(hm):
    client, name = hm.client, hm.params["name"]
    if hm.params["settle_timeout"] < 0:
        raise ModuleFailure(
            "settle_timeout must be 0 or more seconds, got %s" % hm.params["settle_timeout"]
        )
    app = client.get(app_path(name), missing_ok=hm.params["missing_ok"] or hm.check_mode)
    if app is None:
        return {
            "changed": False,
            "exists": False,
            "app": {},
            "releases": [],
            "current_release": {},
            "formation": [],
            "features": [],
            "addons": [],
            "domains": [],
        }
    releases = list_releases(client, name)
    pending = [r for r in releases if r.get("status") == "pending"]
    if pending and hm.params["settle_timeout"] > 0:
        newest = pending[-1]
        wait_for(
            lambda: client.get(app_path(name, "releases", newest["id"])),
            lambda r: r.get("status") != "pending",
            hm.params["settle_timeout"],
            "release v%s of %s to finish its release phase" % (newest.get("version"), name),
            max_interval=2.0,
        )
        releases = list_releases(client, name)
    return {
        "changed": False,
        "exists": True,
        "app": app,
        "releases": releases,
        "current_release": current_release(releases) or {},
        "formation": client.get_all(app_path(name, "formation")),
        "features": client.get_all(app_path(name, "features")),
        "addons": client.get_all(app_path(name, "addons")),
        "domains": client.get_all(app_path(name, "domains")),
    }


def main():
    spec = dict(
        name=dict(type="str", required=True),
        missing_ok=dict(type="bool", default=False),
        settle_timeout=dict(type="int", default=0),
    )
    HerokuModule(spec).run(run)


if __name__ == "__main__":
    main()
