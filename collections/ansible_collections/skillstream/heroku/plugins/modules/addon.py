#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: addon
short_description: Provision, re-plan or remove a Heroku add-on
version_added: 1.0.0
description:
  - Ensures an add-on of a plan is attached to an app, waits until it is provisioned,
    and changes its plan in place (no new add-on, no data loss) when the plan differs.
  - The add-on is found by O(name), else by O(attachment_name), else as the only add-on
    of the plan's service on the app.
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
  - skillstream.heroku.options.app
  - skillstream.heroku.options.state
options:
  plan:
    description:
      - The plan, C(service:plan) (for example C(heroku-postgresql:essential-0)), or only
        the service for its default plan.
      - Required when O(state=present).
    type: str
  name:
    description: Globally unique name of the add-on resource.
    type: str
  attachment_name:
    description:
      - Name of the attachment on the app; sets the config var prefix (C(DATABASE) gives
        C(DATABASE_URL)). Used on creation and to find the add-on.
    type: str
  config:
    description: Provider options sent when the add-on is created (ignored afterwards).
    type: dict
  wait:
    description: Wait until the add-on is C(provisioned).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for provisioning.
    type: int
    default: 600
"""

EXAMPLES = r"""
- name: Ensure a Postgres database is attached as DATABASE
  skillstream.heroku.addon:
    app: skillstream-production
    plan: heroku-postgresql:essential-0
    attachment_name: DATABASE

- name: Upgrade the Redis plan in place
  skillstream.heroku.addon:
    app: skillstream-production
    plan: heroku-redis:premium-0

- name: Remove the Redis add-on
  skillstream.heroku.addon:
    app: skillstream-production
    plan: heroku-redis
    state: absent
"""

RETURN = r"""
addon:
  description: The add-on, including C(state) and the C(config_vars) names it sets.
  returned: always
  type: dict
  sample: {"name": "postgresql-shaped-12345", "plan": {"name": "heroku-postgresql:essential-0"},
           "state": "provisioned", "config_vars": ["DATABASE_URL"]}
"""

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    ModuleFailure,
    app_path,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.resource import HerokuResource
from ansible_collections.skillstream.heroku.plugins.module_utils.resources import (
    wait_addon_provisioned,
)


def _service(plan):
    return plan.split(":", 1)[0] if plan else None


def find_addon(client, app, name, attachment_name, plan):
    if name:
        return client.get(app_path(app, "addons", name), missing_ok=True)
    if attachment_name:
        # One request: Heroku resolves an attachment name in the app's context to its add-on.
        found = client.request(
            "POST",
            "/actions/addons/resolve",
            body={"app": app, "addon": attachment_name.upper()},
            missing_ok=True,
        )
        if found.status == 404:
            client.get(app_path(app))  # an unknown app fails here, naming /apps/{app}
            return None
        return (found.data or [None])[0]
    service = _service(plan)
    matches = [
        a
        for a in client.get_all(app_path(app, "addons"))
        if (a.get("addon_service") or {}).get("name") == service
    ]
    if len(matches) > 1:
        raise ModuleFailure(
            "App %s has %d %s add-ons (%s); give name or attachment_name to pick one"
            % (app, len(matches), service, ", ".join(a.get("name", "?") for a in matches))
        )
    return matches[0] if matches else None


def _plan_matches(addon, plan):
    current = (addon.get("plan") or {}).get("name", "")
    return current == plan if ":" in plan else _service(current) == plan


def _view(addon):
    if not addon:
        return {}
    return {
        "name": addon.get("name"),
        "plan": (addon.get("plan") or {}).get("name"),
        "state": addon.get("state"),
    }


class Addon(HerokuResource):
    result_key = "addon"

    def find(self):
        p = self.params
        # An unknown app fails here already with a 404 naming /apps/{app}/...
        return find_addon(self.client, p["app"], p["name"], p["attachment_name"], p["plan"])

    def create_path(self):
        return app_path(self.params["app"], "addons")

    def create_body(self):
        p = self.params
        body = {"plan": p["plan"]}
        if p["name"]:
            body["name"] = p["name"]
        if p["attachment_name"]:
            body["attachment"] = {"name": p["attachment_name"]}
        if p["config"]:
            body["config"] = dict((k, str(v)) for k, v in p["config"].items())
        return body

    def preview_create(self, body):
        return {"name": self.params["name"], "plan": {"name": body["plan"]},
                "state": "provisioning", "config_vars": []}  # fmt: skip

    def preview_update(self, found, update):
        return dict(found, plan=dict(found.get("plan") or {}, name=update["plan"]))

    def item_path(self, found):
        return app_path(self.params["app"], "addons", found["id"])

    def updates(self, found):
        plan = self.params["plan"]
        return {} if _plan_matches(found, plan) else {"plan": plan}

    def view(self, resource):
        return _view(resource)

    def ensure(self):
        result = super(Addon, self).ensure()
        addon = result["addon"]
        if self.wanted_state == "present" and self.params["wait"] and not self.hm.check_mode:
            app, timeout = self.params["app"], self.params["wait_timeout"]
            result["addon"] = wait_addon_provisioned(self.client, app, addon, timeout)
            result["diff"]["after"] = _view(result["addon"])
        return result


def main():
    spec = dict(
        app=dict(type="str", required=True),
        plan=dict(type="str"),
        name=dict(type="str"),
        attachment_name=dict(type="str"),
        config=dict(type="dict"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
    )
    HerokuModule(
        spec,
        required_if=[("state", "present", ["plan"])],
        required_one_of=[("plan", "name", "attachment_name")],
    ).run(lambda hm: Addon(hm).ensure())


if __name__ == "__main__":
    main()
