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
options:
  app:
    description: Name of the app.
    type: str
    required: true
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
  state:
    description: Whether the app should be coupled.
    type: str
    choices: [present, absent]
    default: present
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


def _view(pipeline_name, coupling):
    return {"pipeline": pipeline_name, "stage": coupling["stage"]} if coupling else {}


def run(hm):
    client, p = hm.client, hm.params
    app = p["app"]
    coupling = coupling_of(client, app)
    pipeline = find_pipeline(client, p["pipeline"]) if p["pipeline"] else None
    if p["state"] == "present" and pipeline is None and not hm.check_mode:
        raise ModuleFailure(
            "Pipeline %s does not exist (create it with "
            "skillstream.heroku.pipeline first)" % p["pipeline"]
        )
    current_pipeline = None
    if coupling:
        current_pipeline = (
            pipeline
            if pipeline and pipeline["id"] == coupling["pipeline"]["id"]
            else find_pipeline(client, coupling["pipeline"]["id"])
        )
    before = _view((current_pipeline or {}).get("name"), coupling)
    wanted_id = (pipeline or {}).get("id")
    changed = False
    path = "/pipeline-couplings/%s"
    if p["state"] == "present":
        if coupling and coupling["pipeline"]["id"] != wanted_id:
            raise ModuleFailure(
                "App %s is on pipeline %s (stage %s), not %s: take it off first "
                "(state=absent) to move it"
                % (app, (current_pipeline or {}).get("name"), coupling["stage"], p["pipeline"])
            )
        if not coupling:
            changed = True
            coupling = {"stage": p["stage"], "app": {"id": None}, "pipeline": {"id": wanted_id}}
            if not hm.check_mode:
                coupling = client.post(
                    "/pipeline-couplings",
                    {"app": app, "pipeline": wanted_id, "stage": p["stage"]},
                    recover=lambda: coupling_of(client, app),
                )
        elif coupling["stage"] != p["stage"]:
            changed = True
            coupling = dict(coupling, stage=p["stage"])
            if not hm.check_mode:
                coupling = client.patch(path % segment(coupling["id"]), {"stage": p["stage"]})
        after = _view(p["pipeline"] if pipeline is None else pipeline["name"], coupling)
    else:
        if coupling and (wanted_id is None or coupling["pipeline"]["id"] == wanted_id):
            changed = True
            if not hm.check_mode:
                client.delete(path % segment(coupling["id"]))
            coupling = None
        after = _view((current_pipeline or {}).get("name"), coupling)
    return {
        "changed": changed,
        "coupling": coupling or {},
        "diff": {"before": before, "after": after},
    }


def main():
    spec = dict(
        app=dict(type="str", required=True),
        pipeline=dict(type="str"),
        stage=dict(type="str", choices=STAGES),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    HerokuModule(spec, required_if=[("state", "present", ("pipeline", "stage"))]).run(run)


if __name__ == "__main__":
    main()
