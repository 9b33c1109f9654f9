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
options:
  app:
    description: Name of the app.
    type: str
    required: true
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
  state:
    description: Whether the webhook should exist.
    type: str
    choices: [present, absent]
    default: present
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


def _find(client, app, url):
    for hook in client.get_all(app_path(app, "webhooks")):
        if hook.get("url") == url:
            return hook
    return None


def _view(hook):
    if not hook:
        return {}
    return {
        "url": hook.get("url"),
        "include": sorted(hook.get("include") or []),
        "level": hook.get("level"),
    }


def run(hm):
    client, p = hm.client, hm.params
    app, url = p["app"], p["url"]
    hook = _find(client, app, url)
    before = _view(hook)
    if p["state"] == "absent":
        if hook and not hm.check_mode:
            client.delete(app_path(app, "webhooks", hook["id"]))
        return {"changed": bool(hook), "webhook": {}, "diff": {"before": before, "after": {}}}

    body = {"url": url, "include": p["include"], "level": p["level"]}
    secrets = dict((k, p[k]) for k in ("secret", "authorization") if p[k])
    changed = False
    if hook is None:
        changed = True
        body.update(secrets)
        if hm.check_mode:
            hook = dict(body)
        else:
            hook = client.post(
                app_path(app, "webhooks"), body, recover=lambda: _find(client, app, url)
            )
    else:
        update = {}
        if sorted(hook.get("include") or []) != sorted(p["include"]):
            update["include"] = p["include"]
        if hook.get("level") != p["level"]:
            update["level"] = p["level"]
        if p["update_secrets"] and secrets:
            update.update(secrets)
        if update:
            changed = True
            if hm.check_mode:
                hook = dict(hook, **update)
            else:
                hook = client.patch(app_path(app, "webhooks", hook["id"]), update)
    hook = dict((k, v) for k, v in hook.items() if k not in ("secret", "authorization"))
    after = _view(hook)
    if changed and secrets and (before == {} or p["update_secrets"]):
        after["secret"] = MASK + " (set)"
    return {"changed": changed, "webhook": hook, "diff": {"before": before, "after": after}}


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
    HerokuModule(spec, required_if=[("state", "present", ["include"])]).run(run)


if __name__ == "__main__":
    main()
