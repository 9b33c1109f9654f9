#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: domain
short_description: Add or remove a custom domain of a Heroku app, and manage ACM
version_added: 1.0.0
description:
  - Ensures a custom domain is (or is not) attached to an app and returns the DNS target
    to point a CNAME at.
  - O(acm) turns Automated Certificate Management on or off for the whole app.
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
  - skillstream.heroku.options.app
  - skillstream.heroku.options.state
options:
  hostname:
    description: The custom domain, for example C(www.skillstream.example).
    type: str
  acm:
    description: Automated Certificate Management for the app. Omit to leave it alone.
    type: bool
"""

EXAMPLES = r"""
- name: Serve the site on its own domain with a managed certificate
  skillstream.heroku.domain:
    app: skillstream-production
    hostname: www.skillstream.example
    acm: true
  register: heroku_app_domain

- name: Show the CNAME target
  ansible.builtin.debug:
    msg: "{{ heroku_app_domain.domain.cname }}"
"""

RETURN = r"""
domain:
  description: The domain (with C(cname), the DNS target); empty when absent or not given.
  returned: always
  type: dict
  sample: {"hostname": "www.skillstream.example", "cname": "shiny-1234.herokudns.com",
           "status": "pending"}
acm:
  description: Whether ACM is on for the app after the run.
  returned: when O(acm) is given
  type: bool
"""

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    app_path,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.resource import HerokuResource


class Domain(HerokuResource):
    result_key = "domain"

    @property
    def hostname(self):
        return self.params["hostname"].lower().rstrip(".")

    def find(self):
        return self.client.get(self.item_path(), missing_ok=True)

    def create_path(self):
        return app_path(self.params["app"], "domains")

    def create_body(self):
        return {"hostname": self.hostname, "sni_endpoint": None}

    def item_path(self, found=None):
        return app_path(self.params["app"], "domains", self.hostname)

    def view(self, resource):
        return {"hostname": self.hostname if resource else None}


def ensure_acm(hm, result):
    """Automated Certificate Management is a switch on the app (POST or DELETE /acm)."""
    client, p = hm.client, hm.params
    current = bool(client.get(app_path(p["app"])).get("acm"))
    result["diff"]["before"]["acm"], result["diff"]["after"]["acm"] = current, p["acm"]
    result["acm"] = p["acm"]
    if current == p["acm"]:
        return
    result["changed"] = True
    if not hm.check_mode:
        if p["acm"]:
            client.post(app_path(p["app"], "acm"))
        else:
            client.delete(app_path(p["app"], "acm"))


def run(hm):
    if hm.params["hostname"]:
        result = Domain(hm).ensure()
    else:
        result = {"changed": False, "domain": {}, "diff": {"before": {}, "after": {}}}
    if hm.params["acm"] is not None:
        ensure_acm(hm, result)
    return result


def main():
    spec = dict(
        app=dict(type="str", required=True),
        hostname=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        acm=dict(type="bool"),
    )
    HerokuModule(spec, required_one_of=[("hostname", "acm")]).run(run)


if __name__ == "__main__":
    main()
