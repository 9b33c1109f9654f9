# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pipeline look-ups the pipeline modules share: stages in order, pipelines, couplings."""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

from typing import Any, Optional

from ansible_collections.skillstream.heroku.plugins.module_utils.client import HerokuClient
from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    ModuleFailure,
    app_path,
    segment,
)

# Heroku's stages, upstream first: a promotion goes from one stage to a later one.
STAGES = ["test", "review", "development", "staging", "production"]


def find_pipeline(client: HerokuClient, identity: str) -> Optional[dict[str, Any]]:
    """The pipeline by name or id; ``None`` when there is none."""
    return client.get("/pipelines/%s" % segment(identity), missing_ok=True)


def coupling_of(client: HerokuClient, app: str) -> Optional[dict[str, Any]]:
    """The app's pipeline coupling; ``None`` when the app is on no pipeline."""
    return client.get(app_path(app, "pipeline-couplings"), missing_ok=True)


def pipeline_apps(client: HerokuClient, pipeline_id: str) -> list[dict[str, Any]]:
    """Every app of a pipeline as ``{"name", "id", "stage"}``, upstream stages first."""
    apps = []
    for coupling in client.get_all("/pipelines/%s/pipeline-couplings" % segment(pipeline_id)):
        app = client.get(app_path(coupling["app"]["id"]))
        apps.append({"name": app["name"], "id": app["id"], "stage": coupling["stage"]})
    return sorted(apps, key=lambda a: (STAGES.index(a["stage"]), a["name"]))


def check_downstream(source_stage: str, target: dict[str, Any]) -> None:
    """Promotions go downstream only (staging to production, never back)."""
    if STAGES.index(target["stage"]) <= STAGES.index(source_stage):
        raise ModuleFailure(
            "Cannot promote from stage %s to %s (app %s): a promotion goes to a later stage "
            "(%s)" % (source_stage, target["stage"], target["name"], " -> ".join(STAGES[1:]))
        )
