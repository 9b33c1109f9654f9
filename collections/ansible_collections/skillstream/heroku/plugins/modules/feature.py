#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: feature
short_description: Enable or disable a Heroku app feature
version_added: 1.0.0
description:
  - Turns an app feature (C(preboot), C(runtime-dyno-metadata), C(log-runtime-metrics) ...)
    on or off.
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
  - skillstream.heroku.options.app
options:
  name:
    description: Name of the feature.
    type: str
    required: true
  enabled:
    description: Whether the feature should be on.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Start new dynos before stopping old ones on deploy
  skillstream.heroku.feature:
    app: skillstream-production
    name: preboot
    enabled: true
"""

RETURN = r"""
feature:
  description: The feature after the run.
  returned: always
  type: dict
  sample: {"name": "preboot", "enabled": true, "state": "general"}
"""

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    app_path,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.resource import HerokuResource


class Feature(HerokuResource):
    """A feature always exists; only its ``enabled`` changes."""

    result_key = "feature"

    def item_path(self, found=None):
        return app_path(self.params["app"], "features", self.params["name"])

    def find(self):
        return self.client.get(self.item_path())

    def updates(self, found):
        wanted = self.params["enabled"]
        return {} if bool(found.get("enabled")) == wanted else {"enabled": wanted}

    def view(self, resource):
        return {self.params["name"]: bool(resource.get("enabled"))} if resource else {}


def main():
    spec = dict(
        app=dict(type="str", required=True),
        name=dict(type="str", required=True),
        enabled=dict(type="bool", default=True),
    )
    HerokuModule(spec).run(lambda hm: Feature(hm).ensure())


if __name__ == "__main__":
    main()
