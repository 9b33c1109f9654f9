#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: log_drain
short_description: Add or remove a log drain of a Heroku app
version_added: 1.0.0
description:
  - Ensures the app's logs are (or are not) forwarded to a syslog or HTTPS drain URL.
  - A password inside the URL is masked in the output and the diff.
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
    description:
      - The drain URL (C(syslog+tls://host:port) or C(https://...)).
      - Never shown whole, since drain services put credentials in it; output shows scheme,
        user, host and port, with the password, path and query masked.
    type: str
    required: true
  state:
    description: Whether the drain should exist.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Ship the logs to the log service
  skillstream.heroku.log_drain:
    app: skillstream-production
    url: "syslog+tls://logs.example.com:6514"
"""

RETURN = r"""
log_drain:
  description: The drain (with its C(token)); empty when absent.
  returned: always
  type: dict
  sample: {"url": "syslog+tls://logs.example.com:6514", "token": "d.1234"}
"""

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    app_path,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.resources import redact_url


def _find(client, app, url):
    for drain in client.get_all(app_path(app, "log-drains")):
        if drain.get("url") == url:
            return drain
    return None


def _public(drain):
    return dict(drain, url=redact_url(drain.get("url"))) if drain else {}


def run(hm):
    client, p = hm.client, hm.params
    app, url = p["app"], p["url"]
    drain = _find(client, app, url)
    shown = redact_url(url)
    before = {"url": shown} if drain else {}
    changed = False
    if p["state"] == "present" and not drain:
        changed = True
        if hm.check_mode:
            drain = {"url": url}
        else:
            drain = client.post(
                app_path(app, "log-drains"), {"url": url}, recover=lambda: _find(client, app, url)
            )
    elif p["state"] == "absent" and drain:
        changed = True
        if not hm.check_mode:
            client.delete(app_path(app, "log-drains", drain["id"]))
        drain = None
    after = {"url": shown} if drain else {}
    return {
        "changed": changed,
        "log_drain": _public(drain),
        "diff": {"before": before, "after": after},
    }


def main():
    spec = dict(
        app=dict(type="str", required=True),
        # Drain URLs often carry credentials (user:password@, a token in the path or query).
        url=dict(type="str", required=True, no_log=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    HerokuModule(spec).run(run)


if __name__ == "__main__":
    main()
