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
options:
  app:
    description: Name of the app.
    type: str
    required: true
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


def run(hm):
    client, p = hm.client, hm.params
    path = app_path(p["app"], "features", p["name"])
    feature = client.get(path)
    before = {p["name"]: bool(feature.get("enabled"))}
    changed = bool(feature.get("enabled")) != p["enabled"]
    if changed:
        if hm.check_mode:
            feature = dict(feature, enabled=p["enabled"])
        else:
            feature = client.patch(path, {"enabled": p["enabled"]})
    return {
        "changed": changed,
        "feature": feature,
        "diff": {"before": before, "after": {p["name"]: p["enabled"]}},
    }


def main():
    spec = dict(
        app=dict(type="str", required=True),
        name=dict(type="str", required=True),
        enabled=dict(type="bool", default=True),
    )
    HerokuModule(spec).run(run)


if __name__ == "__main__":
    main()
