#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pipeline_promotion
short_description: Promote the slug a Heroku app runs to the next stage of its pipeline
version_added: 1.1.0
description:
  - Promotes the slug of the source app's serving release (or of O(release)) to apps later
    in its pipeline, as C(heroku pipelines:promote) does. Nothing is built; each target
    releases the very same slug with its own config vars, and its release phase runs.
  - Waits until every target's release has ended. A target whose release phase fails keeps
    the release it was serving; the module then fails, naming the target, the reason and
    the tail of the release output.
  - Idempotent. Targets that already run the slug are left alone; when all do, nothing
    changes.
  - Promotions only go downstream (review, development, staging, production). A target at
    the source's stage or earlier is refused before anything is promoted.
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
options:
  source:
    description:
      - Name of the app to promote from. It must be on a pipeline.
      - Give either O(source), or O(pipeline) and O(from_stage).
    type: str
  pipeline:
    description:
      - Name or id of the pipeline. With O(from_stage), the source is the one app of the
        pipeline at that stage; with O(source), the source must be on this pipeline.
    type: str
  from_stage:
    description: The stage of O(pipeline) to promote from (its one app there is the source).
    type: str
    choices: [review, development, staging, production]
  release:
    description:
      - The source release to promote (C(vN) or N). Default, the release serving now.
    type: str
  to:
    description:
      - Names of the apps to promote to, all on the source's pipeline at later stages.
      - Mutually exclusive with O(to_stage). When neither is given, the apps of the first
        later stage that has any.
    type: list
    elements: str
  to_stage:
    description: Promote to every app of the pipeline at this stage.
    type: str
    choices: [review, development, staging, production]
  wait_timeout:
    description: Seconds to wait for every target's release (release phase included).
    type: int
    default: 900
"""

EXAMPLES = r"""
- name: Promote what serves on staging to production
  skillstream.heroku.pipeline_promotion:
    source: skillstream-staging
    to_stage: production
  register: heroku_promotion

- name: Promote from whichever app is at the staging stage of the pipeline
  skillstream.heroku.pipeline_promotion:
    pipeline: skillstream
    from_stage: staging
    to: [skillstream-production]

- name: Show what production runs now
  ansible.builtin.debug:
    msg: "{{ heroku_promotion.targets | map(attribute='release.version') | list }}"
"""

RETURN = r"""
source:
  description: The source app and the release whose slug is promoted.
  returned: always
  type: dict
  sample: {"app": "skillstream-staging", "stage": "staging",
           "release": {"id": "01234567-89ab-cdef-0123-456789abcdef", "version": 12}}
slug:
  description: The promoted slug (C(id), C(checksum), C(commit)).
  returned: always
  type: dict
  sample: {"id": "01234567-89ab-cdef-0123-456789abcdef", "checksum": "SHA256:ab12...",
           "commit": "3f2c1e0+m.4b5c6d7e8f90"}
targets:
  description:
    - One entry per target app, with its stage, the release it served before, and after a
      promotion the new release (C(version), C(status)) and the target C(status).
    - C(status) is C(unchanged) for a target that already ran the slug, C(pending) in check
      mode for one that would be promoted.
  returned: always
  type: list
  elements: dict
  sample: [{"app": "skillstream-production", "stage": "production", "status": "succeeded",
            "before": {"version": 40, "slug": "..."},
            "release": {"id": "...", "version": 41, "status": "succeeded"}}]
promotion:
  description: The Heroku pipeline promotion; empty when nothing was promoted or in check mode.
  returned: always
  type: dict
"""

import re

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    ModuleFailure,
    app_path,
    segment,
    tail,
    wait_for,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.pipelines import (
    STAGES,
    check_downstream,
    coupling_of,
    find_pipeline,
    pipeline_apps,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.resources import (
    current_release,
    list_releases,
)


def _pick_targets(p, pipeline, apps, source):
    names = ", ".join("%s (%s)" % (a["name"], a["stage"]) for a in apps)
    if p["to"]:
        by_name = dict((a["name"], a) for a in apps)
        missing = [name for name in p["to"] if name not in by_name]
        if missing:
            raise ModuleFailure(
                "%s not on pipeline %s (its apps: %s)"
                % (", ".join(missing), pipeline["name"], names)
            )
        targets = [by_name[name] for name in p["to"]]
    elif p["to_stage"]:
        targets = [a for a in apps if a["stage"] == p["to_stage"]]
        if not targets:
            raise ModuleFailure(
                "Pipeline %s has no app at stage %s (its apps: %s)"
                % (pipeline["name"], p["to_stage"], names)
            )
    else:
        order = STAGES.index(source["stage"])
        later = [a for a in apps if STAGES.index(a["stage"]) > order]
        targets = [a for a in later if a["stage"] == later[0]["stage"]]
        if not targets:
            raise ModuleFailure(
                "Pipeline %s has no app after stage %s to promote to "
                "(its apps: %s)" % (pipeline["name"], source["stage"], names)
            )
    for target in targets:
        check_downstream(source["stage"], target)
    return targets


def _source_release(client, app, wanted):
    releases = list_releases(client, app)
    if wanted:
        match = re.match(r"^v?(\d+)$", wanted.strip(), re.IGNORECASE)
        if not match:
            raise ModuleFailure("release must be vN or N, got %r" % wanted)
        found = [r for r in releases if r["version"] == int(match.group(1))]
        release = found[0] if found else None
    else:
        release = current_release(releases)
    if not release or release.get("status") != "succeeded" or not (release.get("slug") or {}):
        raise ModuleFailure(
            "App %s has no %s release with a slug to promote" % (app, wanted or "serving")
        )
    return release


def _label(release):
    if not release:
        return "no release"
    slug = (release.get("slug") or {}).get("id") or "none"
    return "v%s (slug %s)" % (release["version"], slug[:8])


def _wait_targets(client, promotion, targets, timeout):
    """Wait for the promotion to complete; fill each target's outcome; fail naming why."""
    path = "/pipeline-promotions/%s" % segment(promotion["id"])
    promotion = wait_for(
        lambda: client.get(path),
        lambda d: d.get("status") != "pending",
        timeout,
        "promotion %s" % promotion["id"],
        max_interval=3.0,
    )
    outcome = dict((t["app"]["id"], t) for t in client.get_all(path + "/promotion-targets"))
    failures = []
    for target in targets:
        found = outcome.get(target["id"]) or {}
        release_id = (found.get("release") or {}).get("id")
        release = client.get(app_path(target["name"], "releases", release_id)) if release_id else {}
        target["status"] = found.get("status") or "failed"
        target["release"] = {
            "id": release_id,
            "version": release.get("version"),
            "status": release.get("status"),
        }
        if target["status"] != "succeeded":
            output = client.read_stream(release.get("output_stream_url")) if release else ""
            target["error_message"] = found.get("error_message") or "no release was made"
            failures.append(
                "%s: %s Release output (tail):\n%s"
                % (target["name"], target["error_message"], tail(output, 20))
            )
    return promotion, failures


def _pipeline(client, identity):
    pipeline = find_pipeline(client, identity)
    if pipeline is None:
        raise ModuleFailure("Pipeline %s does not exist" % identity)
    return pipeline


def _find_source(client, p):
    """The pipeline, its apps, and the source app among them."""
    if not p["source"]:
        pipeline = _pipeline(client, p["pipeline"])
        apps = pipeline_apps(client, pipeline["id"])
        found = [a for a in apps if a["stage"] == p["from_stage"]]
        if len(found) != 1:
            raise ModuleFailure(
                "Pipeline %s has %s apps at stage %s (its apps: %s): name the source app"
                % (pipeline["name"], len(found), p["from_stage"],
                   ", ".join("%s (%s)" % (a["name"], a["stage"]) for a in apps) or "none")
            )  # fmt: skip
        return pipeline, apps, found[0]
    coupling = coupling_of(client, p["source"])
    if not coupling:
        raise ModuleFailure(
            "App %s is on no pipeline: there is nothing to promote it along "
            "(couple it with skillstream.heroku.pipeline_coupling)" % p["source"]
        )
    pipeline = _pipeline(client, coupling["pipeline"]["id"])
    if p["pipeline"] and p["pipeline"] not in (pipeline["name"], pipeline["id"]):
        raise ModuleFailure("App %s is on pipeline %s, not %s"
                            % (p["source"], pipeline["name"], p["pipeline"]))  # fmt: skip
    apps = pipeline_apps(client, pipeline["id"])
    return pipeline, apps, next(a for a in apps if a["id"] == coupling["app"]["id"])


def run(hm):
    client, p = hm.client, hm.params
    pipeline, apps, source = _find_source(client, p)
    source_name = source["name"]
    targets = _pick_targets(p, pipeline, apps, source)
    release = _source_release(client, source_name, p["release"])
    slug = client.get(app_path(source_name, "slugs", release["slug"]["id"]))
    todo = []
    before, after = {}, {}
    for target in targets:
        serving = current_release(list_releases(client, target["name"]))
        target["before"] = {
            "version": (serving or {}).get("version"),
            "slug": ((serving or {}).get("slug") or {}).get("id"),
        }
        target["status"] = "unchanged"
        before[target["name"]] = _label(serving)
        if target["before"]["slug"] == slug["id"]:
            after[target["name"]] = before[target["name"]]
            continue
        target["status"] = "pending"
        todo.append(target)
        after[target["name"]] = "slug %s (%s) from %s v%s" % (
            slug["id"][:8],
            slug.get("commit") or "no commit",
            source_name,
            release["version"],
        )
    result = {
        "changed": bool(todo),
        "source": {
            "app": source_name,
            "stage": source["stage"],
            "release": {"id": release["id"], "version": release["version"]},
        },
        "slug": {"id": slug["id"], "checksum": slug.get("checksum"), "commit": slug.get("commit")},
        "targets": targets,
        "promotion": {},
        "diff": {"before": before, "after": after},
    }
    if not todo or hm.check_mode:
        return result
    body = {
        "pipeline": {"id": pipeline["id"]},
        "source": {"app": {"id": source["id"]}, "release": {"id": release["id"]}},
        "targets": [{"app": {"id": t["id"]}} for t in todo],
    }
    promotion = client.post("/pipeline-promotions", body)
    result["promotion"], failures = _wait_targets(client, promotion, todo, p["wait_timeout"])
    if failures:
        raise ModuleFailure(
            "Promotion of %s v%s (slug %s) failed on %s"
            % (source_name, release["version"], slug["id"][:8], "; ".join(failures)),
            **dict((k, v) for k, v in result.items() if k != "diff"),
        )
    return result


def main():
    stages = ["review", "development", "staging", "production"]
    spec = dict(
        source=dict(type="str"),
        pipeline=dict(type="str"),
        from_stage=dict(type="str", choices=stages),
        release=dict(type="str"),
        to=dict(type="list", elements="str"),
        to_stage=dict(type="str", choices=stages),
        wait_timeout=dict(type="int", default=900),
    )
    HerokuModule(
        spec,
        mutually_exclusive=[("to", "to_stage"), ("source", "from_stage")],
        required_one_of=[("source", "from_stage")],
        required_by={"from_stage": "pipeline"},
    ).run(run)


if __name__ == "__main__":
    main()
