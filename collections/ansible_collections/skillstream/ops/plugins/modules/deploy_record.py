#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Ansible modules keep DOCUMENTATION first and the optional-import idiom:
# ruff: noqa: E402

from __future__ import annotations

DOCUMENTATION = r"""
---
module: deploy_record
short_description: Tell whether anything changed since an app's last verified deploy
version_added: 1.0.0
description:
  - The fast path of C(deploy.yml). After a deploy passed its checks, O(mode=record) writes
    one digest (sha256) to O(path) - of the inputs (O(inputs), the files under O(code_paths),
    the app's source as O(facts.source) names it) and of what read-only calls return now (the Heroku
    app, its config vars, current release, formation, add-ons, features, domains,
    certificates, log drains, webhooks, pipeline coupling and Postgres backup schedule;
    each AWS role's record and reads, as O(aws_checks)).
  - O(mode=check) computes the digest again and returns RV(unchanged=true) only when it
    equals the recorded one. Then every role would find what it wants and change nothing.
    Any difference gives RV(unchanged=false) and a RV(reason), and the deploy runs in full
    (and records again when it passes).
  - When only the app's source differs (its files, or O(source_version)) and the reads equal
    the recorded ones, RV(source_only=true): provisioning would change nothing, only a build
    and release of the new source are due. Any other difference makes no read at all.
  - Never compares resources itself and never writes to Heroku or AWS. O(mode=check) never
    fails on an API error, a missing record or an unreadable file; it reports
    RV(unchanged=false) and why.
  - The record holds digests and the AWS read descriptions, never a value; it is written
    atomically, mode 0600.
options:
  app:
    description: The Heroku app.
    type: str
    required: true
  path:
    description: The record file, on the control host.
    type: path
    required: true
  mode:
    description:
      - C(check) compares with the record at O(path); C(record) writes it (nothing in check
        mode).
    type: str
    choices: [check, record]
    default: check
  inputs:
    description:
      - Further inputs, as digests or small values - for C(deploy.yml), the digest of every
        role variable (C(skillstream_variables_digest) of skillstream.ops.check_role_variables).
    type: dict
    default: {}
  code_paths:
    description: Files and directories of the deployment code; a change to any of them counts.
    type: list
    elements: path
    default: []
  source_version:
    description:
      - The version the build is given (C(heroku_app_version), e.g. a CI run's commit); it
        counts as part of the app's source, not as a variable.
    type: str
    default: ""
  facts:
    description:
      - With O(mode=record), small values stored in the record (no secrets) and returned by
        O(mode=check) as RV(recorded.facts) - for C(deploy.yml), the URL its health check
        asks (C(check_url)) and the app's source (C(source), C(heroku_app_result.source)).
      - C(source) (C(dir) and the C(exclude) patterns, as skillstream.heroku.build packs it)
        is digested with the inputs; absent for an app that gets its code by promotion.
    type: dict
    default: {}
  aws_checks:
    description:
      - With O(mode=record), the checks the AWS roles published (the RV(check) that
        skillstream.aws.applied_state returns). Stored in the record, replayed by O(mode=check).
    type: list
    elements: dict
    default: []
extends_documentation_fragment:
  - skillstream.heroku.auth
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
author:
  - SkillStream ops
"""

EXAMPLES = r"""
- name: Compare with the last verified deploy
  skillstream.ops.deploy_record:
    app: skillstream-production
    path: ~/.local/state/skillstream/deploys/skillstream-production.json
    inputs:
      variables: "{{ skillstream_variables_digest }}"
    source_version: "{{ heroku_app_version }}"
    code_paths: [roles, playbooks, collections/ansible_collections/skillstream, deploy.yml]
  register: last_deploy

- name: Record the deploy that just passed its checks
  skillstream.ops.deploy_record:
    app: skillstream-production
    path: ~/.local/state/skillstream/deploys/skillstream-production.json
    mode: record
    inputs:
      variables: "{{ skillstream_variables_digest }}"
    source_version: "{{ heroku_app_version }}"
    code_paths: [roles, playbooks, collections/ansible_collections/skillstream, deploy.yml]
    facts:
      check_url: "{{ heroku_app_result.check_url }}"
      source: "{{ heroku_app_result.source }}"
    aws_checks: "{{ skillstream_applied_checks }}"
"""

RETURN = r"""
unchanged:
  description: Whether the fresh digest equals the recorded one (false with O(mode=record)).
  returned: always
  type: bool
source_only:
  description:
    - Whether only the app's source differs from the record while Heroku and AWS hold what
      the recorded deploy left (O(mode=check)); a build and release are due, provisioning is not.
  returned: always
  type: bool
reason:
  description: Why not unchanged (no record, a read failed, something differs); empty otherwise.
  returned: always
  type: str
digest:
  description: The fresh digest (empty when a read failed).
  returned: always
  type: str
recorded:
  description:
    - The record's C(digest), C(release) number, time (C(recorded_at)), C(facts) and
      C(aws_checks) (a deploy that skipped provisioning records them again); empty when there
      is none.
  returned: always
  type: dict
serving:
  description: The serving release as read - C(version), C(slug) (its id) and the app's C(web_url).
  returned: always
  type: dict
"""

import traceback

try:
    import boto3  # noqa: F401 (module_utils' shared_session makes the clients)
    import botocore

    HAS_BOTO3 = True
except ImportError:
    HAS_BOTO3 = False

from ansible.module_utils.basic import missing_required_lib
from ansible_collections.amazon.aws.plugins.module_utils.retries import (
    AWSRetry,
    RetryingBotoClientWrapper,
)
from ansible_collections.skillstream.aws.plugins.module_utils.applied_state import (
    ReadFailed,
    shared_session,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.client import HerokuError
from ansible_collections.skillstream.heroku.plugins.module_utils.common import HerokuModule
from ansible_collections.skillstream.ops.plugins.module_utils import deploy_record as dr


def make_client(service, region, endpoint_url):
    # The session applied_state used earlier in the run: its service models are loaded.
    raw = shared_session().client(service, region_name=region, endpoint_url=endpoint_url)
    return RetryingBotoClientWrapper(raw, AWSRetry.jittered_backoff(retries=4))


def fresh_state(hm, aws_checks):
    """(digest of what the reads return now, the serving release)."""
    heroku, serving = dr.read_heroku(hm.client, hm.params["app"])
    aws = dr.read_aws(aws_checks, make_client)
    return dr.digest({"heroku": heroku, "aws": aws}), serving


def run(hm):
    p = hm.params
    record = dr.load(p["path"])
    recorded = (
        {k: record.get(k) for k in ("digest", "release", "recorded_at", "facts", "aws_checks")}
        if record
        else {}
    )
    result = dict(
        changed=False,
        unchanged=False,
        source_only=False,
        reason="",
        digest="",
        recorded=recorded,
        serving={},
    )
    recording = p["mode"] == "record"
    if not recording and not record:
        result["reason"] = "no verified deploy is recorded in %s" % p["path"]
        return result
    # What to digest again is what the last verified deploy used (its record).
    checks = p["aws_checks"] if recording else record["aws_checks"]
    facts = p["facts"] if recording else record.get("facts") or {}
    errors = (
        HerokuError,
        ReadFailed,
        OSError,
        ValueError,
        botocore.exceptions.BotoCoreError,
        botocore.exceptions.ClientError,
    )
    try:
        inputs = dr.inputs_digest(
            p["inputs"], facts.get("source") or {}, p["code_paths"], p["source_version"]
        )
        differing = [] if recording else dr.inputs_differing(inputs, record["inputs"])
        # A full deploy follows anyway: no read needed to know it. Only a new source keeps
        # the question open: provisioning may still be skipped if the rest is as it was.
        if differing and differing != ["source"]:
            result["reason"] = "%s from the deploy verified at %s" % (
                dr.in_words(differing),
                record.get("recorded_at"),
            )
            return result
        state, serving = fresh_state(hm, checks)
    except errors as exc:
        result["reason"] = "a read failed: %s" % exc
        if recording:
            hm.module.warn("deploy_record: nothing recorded in %s, %s" % (p["path"], exc))
        return result
    fresh = dr.digest({"inputs": inputs, "state": state})
    result.update(digest=fresh, serving=serving)
    if not recording:
        unchanged, source_only, reason = dr.compare(record, differing, fresh, state)
        result.update(unchanged=unchanged, source_only=source_only, reason=reason)
        return result
    if record.get("digest") == fresh and (record["aws_checks"], record.get("facts")) == (
        checks,
        facts,
    ):
        return result
    result["changed"] = True
    if not hm.check_mode:
        dr.save(p["path"], dr.new_record(p["app"], fresh, state, inputs, serving, checks, facts))
    return result


def main():
    hm = HerokuModule(
        dict(
            app=dict(type="str", required=True),
            path=dict(type="path", required=True),
            mode=dict(type="str", default="check", choices=["check", "record"]),
            inputs=dict(type="dict", default={}),
            code_paths=dict(type="list", elements="path", default=[]),
            source_version=dict(type="str", default=""),
            facts=dict(type="dict", default={}),
            aws_checks=dict(type="list", elements="dict", default=[]),
        ),
    )
    if not HAS_BOTO3:
        hm.fail(missing_required_lib("boto3"), exception=traceback.format_exc())
    hm.run(run)


if __name__ == "__main__":
    main()
