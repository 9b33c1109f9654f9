#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app
short_description: Create, update or delete a Heroku app
version_added: 1.0.0
description:
  - Ensures a Heroku app exists with the given region, stack, buildpacks and maintenance
    mode, or that it does not exist.
  - The region of an existing app cannot change; the module fails instead of replacing
    the app.
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
options:
  name:
    description: Name of the app.
    type: str
    required: true
  state:
    description: Whether the app should exist.
    type: str
    choices: [present, absent]
    default: present
  region:
    description: Region of a new app (C(us), C(eu)). Checked, never changed, on an existing app.
    type: str
  stack:
    description: Stack of the app, for example C(heroku-24). Changing it applies on the next build.
    type: str
  buildpacks:
    description:
      - Ordered list of buildpacks (names such as C(heroku/python) or URLs).
      - The app's buildpacks are replaced when the list differs. Omit to leave them alone.
    type: list
    elements: str
  maintenance:
    description: Maintenance mode. Omit to leave it alone.
    type: bool
"""

EXAMPLES = r"""
- name: Ensure the app exists on heroku-24 with the Python buildpack
  skillstream.heroku.app:
    name: skillstream-production
    region: eu
    stack: heroku-24
    buildpacks:
      - heroku/python

- name: Put the app into maintenance mode
  skillstream.heroku.app:
    name: skillstream-production
    maintenance: true

- name: Delete a review app
  skillstream.heroku.app:
    name: skillstream-pr-42
    state: absent
"""

RETURN = r"""
app:
  description: The app as Heroku describes it (empty when absent; planned values in check mode).
  returned: always
  type: dict
  sample: {"name": "skillstream-production", "region": {"name": "eu"}, "maintenance": false,
           "web_url": "https://skillstream-production.herokuapp.com/"}
buildpacks:
  description: The app's buildpacks after the run, in order.
  returned: when I(state=present)
  type: list
  elements: str
  sample: ["heroku/python"]
"""

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    ModuleFailure,
    app_path,
)


def _view(app, buildpacks):
    if not app:
        return {}
    return {
        "name": app.get("name"),
        "region": (app.get("region") or {}).get("name"),
        "stack": (app.get("build_stack") or app.get("stack") or {}).get("name"),
        "maintenance": app.get("maintenance"),
        "buildpacks": buildpacks,
    }


def _buildpack_list(client, name):
    installed = client.get_all(app_path(name, "buildpack-installations"))
    installed.sort(key=lambda b: b.get("ordinal", 0))
    return [b.get("buildpack") or {} for b in installed]


def _same_buildpacks(current, wanted):
    if len(current) != len(wanted):
        return False
    return all(w in (c.get("url"), c.get("name")) for c, w in zip(current, wanted, strict=True))


def run(hm):
    client, p = hm.client, hm.params
    name = p["name"]
    app = client.get(app_path(name), missing_ok=True)

    if p["state"] == "absent":
        if app and not hm.check_mode:
            client.delete(app_path(name))
        return {"changed": bool(app), "app": {}, "diff": {"before": _view(app, None), "after": {}}}

    changed = False
    if app and p["region"] and (app.get("region") or {}).get("name") != p["region"]:
        raise ModuleFailure(
            "App %s is in region %s; the region of an existing app cannot "
            "change (requested %s)" % (name, app["region"]["name"], p["region"])
        )
    installed = _buildpack_list(client, name) if app else []
    before_packs = [b.get("name") or b.get("url") for b in installed]
    before = _view(app, before_packs)

    if not app:
        changed = True
        body = dict((k, p[k]) for k in ("region", "stack") if p[k])
        body["name"] = name
        if hm.check_mode:
            app = {
                "name": name,
                "region": {"name": p["region"]},
                "maintenance": False,
                "build_stack": {"name": p["stack"]},
            }
        else:
            app = client.post(
                "/apps", body, recover=lambda: client.get(app_path(name), missing_ok=True)
            )

    update = {}
    current_stack = (app.get("build_stack") or app.get("stack") or {}).get("name")
    if p["stack"] and current_stack != p["stack"]:
        update["build_stack"] = p["stack"]
    if p["maintenance"] is not None and bool(app.get("maintenance")) != p["maintenance"]:
        update["maintenance"] = p["maintenance"]
    if update:
        changed = True
        if hm.check_mode:
            app = dict(app, maintenance=update.get("maintenance", app.get("maintenance")))
        else:
            app = client.patch(app_path(name), update)

    packs = before_packs
    if p["buildpacks"] is not None:
        if not _same_buildpacks(installed, p["buildpacks"]):
            changed = True
            if not hm.check_mode:
                client.put(
                    app_path(name, "buildpack-installations"),
                    {"updates": [{"buildpack": b} for b in p["buildpacks"]]},
                )
        packs = list(p["buildpacks"])

    after = _view(app, packs)
    if "build_stack" in update:
        after["stack"] = update["build_stack"]
    return {
        "changed": changed,
        "app": app,
        "buildpacks": packs,
        "diff": {"before": before, "after": after},
    }


def main():
    spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        region=dict(type="str"),
        stack=dict(type="str"),
        buildpacks=dict(type="list", elements="str"),
        maintenance=dict(type="bool"),
    )
    HerokuModule(spec).run(run)


if __name__ == "__main__":
    main()
