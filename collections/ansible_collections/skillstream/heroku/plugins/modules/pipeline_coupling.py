#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pipeline_coupling
short_description: Couple a Heroku app to a pipeline at a stage
version_added: 1.1.0
description:
  - Ensures an app is (or is not) a member of a Heroku Pipeline at the given stage. A
    different stage in the same pipeline is changed in place.
  - An app belongs to one pipeline at most; an app coupled to another pipeline is refused,
    naming that pipeline, rather than moved silently.
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
  - skillstream.heroku.options.app
  - skillstream.heroku.options.state
options:
  pipeline:
    description:
      - Name or id of the pipeline (see M(skillstream.heroku.pipeline)).
      - Required with O(state=present); with O(state=absent) the app leaves whatever
        pipeline it is on when omitted.
    type: str
  stage:
    description: The app's stage in the pipeline.
    type: str
    choices: [test, review, development, staging, production]
"""

EXAMPLES = r"""
- name: Put the staging app on the pipeline
  skillstream.heroku.pipeline_coupling:
    app: skillstream-staging
    pipeline: skillstream
    stage: staging
    state: present

- name: Take an app off its pipeline
  skillstream.heroku.pipeline_coupling:
    app: skillstream-old
    state: absent
"""

RETURN = r"""
coupling:
  description: The coupling (C(app.id), C(pipeline.id), C(stage)); empty when absent.
  returned: always
  type: dict
  sample: {"id": "01234567-89ab-cdef-0123-456789abcdef", "stage": "staging",
           "app": {"id": "01234567-89ab-cdef-0123-456789abcdef"},
           "pipeline": {"id": "01234567-89ab-cdef-0123-456789abcdef"}}
"""

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    ModuleFailure,
    segment,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.pipelines import (
    STAGES,
    coupling_of,
    find_pipeline,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.resource import HerokuResource


class Coupling(HerokuResource):
    """The app's coupling to the pipeline the options name (an app is on one at most)."""

    result_key = "coupling"

    def __init__(self, hm):
        super().__init__(hm)
        name = self.params["pipeline"]
        self.pipeline = find_pipeline(self.client, name) if name else None
        if self.wanted_state == "present" and self.pipeline is None and not hm.check_mode:
            raise ModuleFailure(
                "Pipeline %s does not exist (create it with skillstream.heroku.pipeline first)"
                % name
            )

    def find(self):
        coupling = coupling_of(self.client, self.params["app"])
        wanted_id = (self.pipeline or {}).get("id")
        if coupling is None or not self.params["pipeline"]:
            return coupling
        if coupling["pipeline"]["id"] == wanted_id:
            return coupling
        if self.wanted_state == "present":
            raise ModuleFailure(
                "App %s is on pipeline %s (stage %s), not %s: take it off first "
                "(state=absent) to move it"
                % (
                    self.params["app"],
                    self._pipeline_name(coupling),
                    coupling["stage"],
                    self.params["pipeline"],
                )
            )
        return None  # on another pipeline: not this coupling, nothing to remove

    def create_path(self):
        return "/pipeline-couplings"

    def create_body(self):
        return {
            "app": self.params["app"],
            "pipeline": (self.pipeline or {}).get("id"),
            "stage": self.params["stage"],
        }

    def preview_create(self, body):
        return {"stage": body["stage"], "app": {"id": None}, "pipeline": {"id": body["pipeline"]}}

    def item_path(self, found):
        return "/pipeline-couplings/%s" % segment(found["id"])

    def updates(self, found):
        return {"stage": self.params["stage"]} if found["stage"] != self.params["stage"] else {}

    def view(self, resource):
        if not resource:
            return {}
        return {"pipeline": self._pipeline_name(resource), "stage": resource["stage"]}

    def _pipeline_name(self, coupling):
        pipeline_id = coupling["pipeline"]["id"]
        if pipeline_id is None:  # check mode, a pipeline still to be made: the name given
            return self.params["pipeline"]
        if self.pipeline and pipeline_id == self.pipeline["id"]:
            return self.pipeline["name"]
        return (find_pipeline(self.client, pipeline_id) or {}).get("name")


def main():
    spec = dict(
        app=dict(type="str", required=True),
        pipeline=dict(type="str"),
        stage=dict(type="str", choices=STAGES),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    HerokuModule(spec, required_if=[("state", "present", ("pipeline", "stage"))]).run(
        lambda hm: Coupling(hm).ensure()
    )


if __name__ == "__main__":
    main()
