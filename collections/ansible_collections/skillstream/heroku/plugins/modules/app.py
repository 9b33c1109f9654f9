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
  - skillstream.heroku.options.state
options:
  name:
    description: Name of the app.
    type: str
    required: true
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
from ansible_collections.skillstream.heroku.plugins.module_utils.resource import HerokuResource


def _view(app):
    if not app:
        return {}
    return {
        "name": app.get("name"),
        "region": (app.get("region") or {}).get("name"),
        "stack": (app.get("build_stack") or app.get("stack") or {}).get("name"),
        "maintenance": app.get("maintenance"),
    }


def _buildpack_list(client, name):
    installed = client.get_all(app_path(name, "buildpack-installations"))
    installed.sort(key=lambda b: b.get("ordinal", 0))
    return [b.get("buildpack") or {} for b in installed]


def _same_buildpacks(current, wanted):
    if len(current) != len(wanted):
        return False
    return all(w in (c.get("url"), c.get("name")) for c, w in zip(current, wanted, strict=True))


class App(HerokuResource):
    result_key = "app"

    def find(self):
        app = self.client.get(self.item_path(), missing_ok=True)
        region = self.params["region"]
        if app and region and (app.get("region") or {}).get("name") != region:
            raise ModuleFailure(
                "App %s is in region %s; the region of an existing app cannot "
                "change (requested %s)" % (app["name"], app["region"]["name"], region)
            )
        return app

    def create_path(self):
        return "/apps"

    def create_body(self):
        body = dict((k, self.params[k]) for k in ("region", "stack") if self.params[k])
        body["name"] = self.params["name"]
        return body

    def preview_create(self, body):
        p = self.params
        return {"name": p["name"], "region": {"name": p["region"]}, "maintenance": False,
                "build_stack": {"name": p["stack"]}}  # fmt: skip

    def item_path(self, found=None):
        return app_path(self.params["name"])

    def updates(self, found):
        p, update = self.params, {}
        stack = (found.get("build_stack") or found.get("stack") or {}).get("name")
        if p["stack"] and stack != p["stack"]:
            update["build_stack"] = p["stack"]
        if p["maintenance"] is not None and bool(found.get("maintenance")) != p["maintenance"]:
            update["maintenance"] = p["maintenance"]
        return update

    def preview_update(self, found, update):
        preview = dict(found, maintenance=update.get("maintenance", found.get("maintenance")))
        if "build_stack" in update:
            preview["build_stack"] = {"name": update["build_stack"]}
        return preview

    def created(self, resource):
        # a new app may still need what only an update sets (maintenance on)
        update = self.updates(resource)
        return self.client.patch(self.item_path(), update) if update else resource

    def view(self, resource):
        return _view(resource)


def ensure_buildpacks(hm, result):
    """The buildpack list is replaced as a whole (one PUT), like `heroku buildpacks:set`."""
    client, p = hm.client, hm.params
    if p["state"] == "absent":
        result["buildpacks"] = []
        return result
    exists = bool(result["diff"]["before"])
    installed = _buildpack_list(client, p["name"]) if exists else []
    packs = [b.get("name") or b.get("url") for b in installed]
    if result["diff"]["before"]:
        result["diff"]["before"]["buildpacks"] = packs
    if p["buildpacks"] is not None:
        if not _same_buildpacks(installed, p["buildpacks"]):
            result["changed"] = True
            if not hm.check_mode:
                client.put(
                    app_path(p["name"], "buildpack-installations"),
                    {"updates": [{"buildpack": b} for b in p["buildpacks"]]},
                )
        packs = list(p["buildpacks"])
    if result["diff"]["after"]:
        result["diff"]["after"]["buildpacks"] = packs
    result["buildpacks"] = packs
    return result


def run(hm):
    return ensure_buildpacks(hm, App(hm).ensure())


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
