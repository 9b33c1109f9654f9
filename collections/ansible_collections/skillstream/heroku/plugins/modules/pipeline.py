#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pipeline
short_description: Create or delete a Heroku Pipeline
version_added: 1.1.0
description:
  - Ensures a Heroku Pipeline (a group of apps that share one codebase, by stage) exists or
    not. Apps join it with M(skillstream.heroku.pipeline_coupling); a slug moves along it
    with M(skillstream.heroku.pipeline_promotion).
  - Deleting a pipeline uncouples its apps; the apps themselves stay.
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
  - skillstream.heroku.options.state
options:
  name:
    description:
      - Name of the pipeline (3 to 30 lower case letters, digits and dashes, starting with a
        letter).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Ensure the pipeline of SkillStream
  skillstream.heroku.pipeline:
    name: skillstream
    state: present
  register: heroku_pipeline

- name: Delete a pipeline (its apps stay)
  skillstream.heroku.pipeline:
    name: skillstream-old
    state: absent
"""

RETURN = r"""
pipeline:
  description: The pipeline; empty when absent (or, in check mode, only its name when new).
  returned: always
  type: dict
  sample: {"id": "01234567-89ab-cdef-0123-456789abcdef", "name": "skillstream",
           "owner": {"id": "01234567-89ab-cdef-0123-456789abcdef", "type": "user"}}
"""

import re

from ansible_collections.skillstream.heroku.plugins.module_utils.client import HerokuError
from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    ModuleFailure,
    segment,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.pipelines import find_pipeline
from ansible_collections.skillstream.heroku.plugins.module_utils.resource import HerokuResource

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{2,29}$")


class Pipeline(HerokuResource):
    result_key = "pipeline"

    def find(self):
        return find_pipeline(self.client, self.params["name"])

    def create_path(self):
        return "/pipelines"

    def create_body(self):
        return {"name": self.params["name"]}

    def create(self, body):
        # A pipeline another app's deploy created meanwhile (422: name taken) is this one.
        try:
            return super().create(body)
        except HerokuError as exc:
            found = self.find() if exc.status == 422 else None
            if found is None:
                raise
            return found

    def item_path(self, found):
        return "/pipelines/%s" % segment(found["id"])

    def view(self, resource):
        return {"name": resource["name"]} if resource else {}


def run(hm):
    if not NAME_RE.match(hm.params["name"]):
        raise ModuleFailure(
            "name %r is not a valid pipeline name (3 to 30 lower case letters, digits and "
            "dashes, starting with a letter)" % hm.params["name"]
        )
    return Pipeline(hm).ensure()


def main():
    spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    HerokuModule(spec).run(run)


if __name__ == "__main__":
    main()
