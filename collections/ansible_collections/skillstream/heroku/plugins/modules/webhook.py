#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: webhook
short_description: Manage an app webhook on Heroku
version_added: 1.0.0
description:
  - Ensures Heroku notifies a URL about the app's events (releases, builds, dynos ...).
  - The webhook is identified by its O(url); O(include) and O(level) are updated in place.
  - Heroku never returns the signing O(secret) or O(authorization), so they are sent when
    the webhook is created, or on every change when O(update_secrets=true).
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
  - skillstream.heroku.options.app
  - skillstream.heroku.options.state
options:
  url:
    description: The URL Heroku posts events to.
    type: str
    required: true
  include:
    description:
      - Entities to be notified about (C(api:release), C(api:build), C(api:formation),
        C(dyno) ...).
      - Required when O(state=present).
    type: list
    elements: str
  level:
    description: C(notify) (fire and forget) or C(sync) (retried until 2xx).
    type: str
    choices: [notify, sync]
    default: notify
  secret:
    description: Secret Heroku signs each delivery with (C(Heroku-Webhook-Hmac-SHA256)).
    type: str
  authorization:
    description: Value of the C(Authorization) header Heroku sends with each delivery.
    type: str
  update_secrets:
    description: Send O(secret) and O(authorization) to an existing webhook too (reports changed).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Notify the chat bridge of every release
  skillstream.heroku.webhook:
    app: skillstream-production
    url: https://hooks.example.com/heroku
    include:
      - api:release
    level: notify
    secret: "{{ vault_monitoring_webhook_secret }}"
"""

RETURN = r"""
webhook:
  description: The webhook after the run; empty when absent.
  returned: always
  type: dict
  sample: {"url": "https://hooks.example.com/heroku", "include": ["api:release"],
           "level": "notify"}
"""

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    MASK,
    HerokuModule,
    app_path,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.resource import HerokuResource

SECRET_KEYS = ("secret", "authorization")


class Webhook(HerokuResource):
    result_key = "webhook"
    secret_sent = False

    def find(self):
        app, url = self.params["app"], self.params["url"]
        for hook in self.client.get_all(app_path(app, "webhooks")):
            if hook.get("url") == url:
                return hook
        return None

    def secrets(self):
        return dict((k, self.params[k]) for k in SECRET_KEYS if self.params[k])

    def create_path(self):
        return app_path(self.params["app"], "webhooks")

    def create_body(self):
        p = self.params
        self.secret_sent = bool(self.secrets())
        body = {"url": p["url"], "include": p["include"], "level": p["level"]}
        return dict(body, **self.secrets())

    def item_path(self, found):
        return app_path(self.params["app"], "webhooks", found["id"])

    def updates(self, found):
        p, update = self.params, {}
        if sorted(found.get("include") or []) != sorted(p["include"]):
            update["include"] = p["include"]
        if found.get("level") != p["level"]:
            update["level"] = p["level"]
        self.secret_sent = bool(p["update_secrets"] and self.secrets())
        if self.secret_sent:
            update.update(self.secrets())  # never read back, so sent only when told to
        return update

    def created(self, resource):
        return dict(resource, secret_sent=self.secret_sent)

    def view(self, resource):
        if not resource:
            return {}
        shown = {
            "url": resource.get("url"),
            "include": sorted(resource.get("include") or []),
            "level": resource.get("level"),
        }
        if resource.get("secret_sent") or any(resource.get(k) for k in SECRET_KEYS):
            shown["secret"] = MASK + " (set)"
        return shown

    def public(self, resource):
        hidden = (*SECRET_KEYS, "secret_sent")
        return dict((k, v) for k, v in (resource or {}).items() if k not in hidden)


def main():
    spec = dict(
        app=dict(type="str", required=True),
        url=dict(type="str", required=True),
        include=dict(type="list", elements="str"),
        level=dict(type="str", default="notify", choices=["notify", "sync"]),
        secret=dict(type="str", no_log=True),
        authorization=dict(type="str", no_log=True),
        update_secrets=dict(type="bool", default=False, no_log=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    HerokuModule(spec, required_if=[("state", "present", ["include"])]).run(
        lambda hm: Webhook(hm).ensure()
    )


if __name__ == "__main__":
    main()
