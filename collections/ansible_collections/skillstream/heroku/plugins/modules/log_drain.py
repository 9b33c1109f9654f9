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
  - skillstream.heroku.options.app
  - skillstream.heroku.options.state
options:
  url:
    description:
      - The drain URL (C(syslog+tls://host:port) or C(https://...)).
      - Never shown whole, since drain services put credentials in it; output shows scheme,
        user, host and port, with the password, path and query masked.
    type: str
    required: true
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
from ansible_collections.skillstream.heroku.plugins.module_utils.resource import HerokuResource
from ansible_collections.skillstream.heroku.plugins.module_utils.resources import redact_url


class LogDrain(HerokuResource):
    result_key = "log_drain"

    def find(self):
        app, url = self.params["app"], self.params["url"]
        for drain in self.client.get_all(app_path(app, "log-drains")):
            if drain.get("url") == url:
                return drain
        return None

    def create_path(self):
        return app_path(self.params["app"], "log-drains")

    def create_body(self):
        return {"url": self.params["url"]}

    def item_path(self, found):
        return app_path(self.params["app"], "log-drains", found["id"])

    def view(self, resource):
        return {"url": redact_url(resource.get("url"))} if resource else {}

    def public(self, resource):
        return dict(resource, url=redact_url(resource.get("url"))) if resource else {}


def main():
    spec = dict(
        app=dict(type="str", required=True),
        # Drain URLs often carry credentials (user:password@, a token in the path or query).
        url=dict(type="str", required=True, no_log=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    HerokuModule(spec).run(lambda hm: LogDrain(hm).ensure())


if __name__ == "__main__":
    main()
