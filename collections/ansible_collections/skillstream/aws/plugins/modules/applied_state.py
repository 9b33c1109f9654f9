#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Ansible modules keep DOCUMENTATION first and the optional-import idiom:
# ruff: noqa: E402

from __future__ import annotations

DOCUMENTATION = r"""
---
module: applied_state
short_description: Tell whether a role's AWS resources are as it last left them
version_added: 1.0.0
description:
  - A fast path for roles whose ensure tasks are many AWS module calls. After the role
    converged, O(mode=record) stores a fingerprint (sha256) of the role's O(inputs) and of
    what the read-only AWS calls in O(reads) return, in an SSM parameter. On the next run
    O(mode=check) computes the fingerprint again and returns RV(in_sync=true) only when it
    equals the stored one; the role may then skip its ensure tasks. A hand change to
    anything the reads cover, a changed input, or a missing resource gives another
    fingerprint, and the role runs in full and repairs it.
  - The module never compares resources itself and never changes any AWS resource other
    than its own parameter O(name). Only operations named C(get_*), C(describe_*) or
    C(list_*) are accepted in O(reads).
  - All reads use one boto3 session (the connection options as for any amazon.aws module).
  - Responses are normalised before hashing; C(ResponseMetadata) is dropped, strings that
    are JSON documents (policies) are decoded, timestamps become strings, dict keys are
    sorted. List order counts; use C(sort_by) in O(reads[].query) where it does not.
  - O(mode=check) never fails on AWS errors; anything missing or unreadable just gives
    RV(in_sync=false) and a RV(reason). O(mode=record) warns and stores nothing when a
    read fails.
options:
  name:
    description:
      - SSM parameter (C(String)) that keeps the fingerprint, for example
        C(/skillstream/production/applied/s3_media).
    type: str
    required: true
  mode:
    description:
      - C(check) compares the fresh fingerprint with the stored one.
      - C(record) stores the fresh fingerprint (run it after the ensure tasks); in check mode
        it writes nothing.
    type: str
    choices: [check, record]
    default: check
  inputs:
    description:
      - What shapes the resources besides their current state - the role's variables and
        a version of the role's tasks, so that a changed role applies again.
    type: dict
    default: {}
  facts:
    description:
      - With O(mode=record), small values stored beside the fingerprint (ids of the
        resources, never secrets). O(mode=check) returns the stored ones as RV(facts), and
        O(reads[].params_from) can use them to find a resource by id.
    type: dict
    default: {}
  reads:
    description: Read-only AWS calls whose results the fingerprint covers, run in order.
    type: list
    elements: dict
    default: []
    suboptions:
      service:
        description: boto3 client name, for example C(s3).
        type: str
        required: true
      operation:
        description:
          - boto3 method, for example C(get_bucket_versioning). Must start with C(get_),
            C(describe_) or C(list_).
        type: str
        required: true
      params:
        description: Its parameters.
        type: dict
        default: {}
      params_from:
        description:
          - "Parameters taken from what is already known: parameter name to a JMESPath
            expression over the stored facts (C(facts.<key>)) and the results of earlier reads
            (C(<return_as>.<key>)). When one gives nothing, the read is not made and counts
            as absent."
        type: dict
        default: {}
      region:
        description: Region of this read when it differs from the module's.
        type: str
      query:
        description:
          - JMESPath expression that keeps only the stable parts of the response (applied
            after JSON strings are decoded).
        type: str
      ignore_keys:
        description: Keys dropped at any depth of the (queried) response, for example C(StateValue).
        type: list
        elements: str
        default: []
      missing_ok:
        description:
          - Error codes that mean "absent" (the result is then null), for example
            C(NoSuchBucket).
        type: list
        elements: str
        default: []
      return_as:
        description:
          - Return the (queried) result in RV(reads) under this key; also its name for a
            later O(reads[].params_from).
        type: str
      fingerprint:
        description:
          - Whether the result counts in the fingerprint. C(false) for a read that is only
            returned (a secret the role needs when it skips its ensure tasks); it is not made
            with O(mode=record).
        type: bool
        default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
author:
  - SkillStream ops
"""

EXAMPLES = r"""
- name: Check whether the backup bucket is as the role left it
  skillstream.aws.applied_state:
    name: /skillstream/production/applied/backups
    inputs:
      bucket: skillstream-production-backups
      tasks: "{{ lookup('ansible.builtin.file', role_path ~ '/tasks/bucket.yml') | hash('sha1') }}"
    reads:
      - service: s3
        operation: get_bucket_versioning
        params: {Bucket: skillstream-production-backups}
        query: "{Status: Status, MFADelete: MFADelete}"
        missing_ok: [NoSuchBucket]
      - service: s3
        operation: get_bucket_lifecycle_configuration
        params: {Bucket: skillstream-production-backups}
        query: Rules
        missing_ok: [NoSuchBucket, NoSuchLifecycleConfiguration]
  register: backups_applied

# ... the ensure tasks, when: not backups_applied.in_sync ...

- name: Record what the role applied
  skillstream.aws.applied_state:
    name: /skillstream/production/applied/backups
    mode: record
    inputs: "{{ same_inputs }}"
    reads: "{{ same_reads }}"
  when: not backups_applied.in_sync
"""

RETURN = r"""
in_sync:
  description: Whether the stored fingerprint equals the fresh one (false with O(mode=record)).
  returned: always
  type: bool
reason:
  description: Why not in sync (nothing stored, a read failed, it differs); empty when in sync.
  returned: always
  type: str
fingerprint:
  description: The fresh fingerprint (empty when a read failed).
  returned: always
  type: str
stored_fingerprint:
  description: The fingerprint stored before this run (empty when none).
  returned: always
  type: str
facts:
  description: With O(mode=check) the stored facts, with O(mode=record) the ones given.
  returned: always
  type: dict
reads:
  description: Results of the reads with O(reads[].return_as), by that key (null when absent).
  returned: always
  type: dict
check:
  description:
    - This check as data - O(name), the endpoint, the region and O(reads) with their
      defaults - for a role to publish; C(deploy.yml)'s fast path replays it
      (skillstream.ops.deploy_record). The results of the reads are not in it.
  returned: always
  type: dict
"""

from typing import Any

try:  # noqa: SIM105 (Ansible's optional-import idiom)
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import (
    AWSRetry,
    RetryingBotoClientWrapper,
)
from ansible_collections.skillstream.aws.plugins.module_utils.applied_state import (
    ReadFailed,
    aws_environment,
    cached_client,
    fingerprint,
    read_all,
    read_stored,
    refused_operations,
    render_stored,
    shared_session,
)


class Clients:
    """The module's connection options; a client per (service, region), kept for later tasks
    in the same interpreter (module_utils.applied_state.cached_client)."""

    def __init__(self, module: AnsibleAWSModule) -> None:
        region, endpoint_url, kwargs = get_aws_connection_info(module)
        self.region = region
        self.endpoint_url = endpoint_url
        self.kwargs = dict(kwargs)
        config = botocore.config.Config()
        for key in ("config", "aws_config"):
            extra = self.kwargs.pop(key, None)
            if extra:
                config = config.merge(
                    extra
                    if isinstance(extra, botocore.config.Config)
                    else botocore.config.Config(**extra)
                )
        self.config = config
        self.profile = self.kwargs.pop("profile_name", None)

    def get(self, service: str, region: str | None = None) -> Any:
        region = region or self.region
        environment = aws_environment()
        options = repr(self.config._user_provided_options)
        key = (
            service,
            region,
            self.endpoint_url,
            self.profile,
            options,
            tuple(sorted(self.kwargs.items())),
            environment,
        )
        return cached_client(key, lambda: self._make(service, region, environment))

    def _make(self, service: str, region: str | None, environment: tuple) -> Any:
        session = shared_session(self.profile)
        raw = session.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint_url,
            config=self.config,
            **self.kwargs,
        )
        return RetryingBotoClientWrapper(raw, AWSRetry.jittered_backoff(retries=4))


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            mode=dict(type="str", default="check", choices=["check", "record"]),
            inputs=dict(type="dict", default={}),
            facts=dict(type="dict", default={}),
            reads=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    service=dict(type="str", required=True),
                    operation=dict(type="str", required=True),
                    params=dict(type="dict", default={}),
                    params_from=dict(type="dict", default={}),
                    region=dict(type="str"),
                    query=dict(type="str"),
                    ignore_keys=dict(type="list", elements="str", default=[], no_log=False),
                    missing_ok=dict(type="list", elements="str", default=[]),
                    return_as=dict(type="str"),
                    fingerprint=dict(type="bool", default=True),
                ),
            ),
        ),
        supports_check_mode=True,
    )
    aws_errors = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
    p = module.params
    refused = refused_operations(p["reads"])
    if refused:
        module.fail_json(
            msg="reads: only get_*, describe_* and list_* operations are allowed, not "
            + ", ".join(refused)
        )
    record = p["mode"] == "record"
    clients = Clients(module)
    for read in p["reads"]:
        if not hasattr(clients.get(read["service"], read["region"]), read["operation"]):
            module.fail_json(msg=f"reads: {read['service']} has no operation {read['operation']}")
    ssm = clients.get("ssm")
    result: dict[str, Any] = dict(
        changed=False, in_sync=False, reason="", fingerprint="", stored_fingerprint="",
        facts=p["facts"] if record else {}, reads={},
        # What deploy.yml's fast path replays (skillstream.ops.deploy_record): no secret in it.
        check=dict(name=p["name"], endpoint_url=clients.endpoint_url, region=clients.region,
                   reads=p["reads"]),
    )  # fmt: skip

    try:
        stored = read_stored(ssm, p["name"])
    except aws_errors as e:
        stored = {}
        result["reason"] = f"the stored fingerprint is unreadable: {e}"
    result["stored_fingerprint"] = stored.get("fingerprint", "")
    facts = p["facts"] if record else stored.get("facts", {})
    if not record:
        result["facts"] = facts

    try:
        covered, returned = read_all(clients.get, p["reads"], facts, record)
    except ReadFailed as e:
        result["reason"] = f"a read failed: {e}"
        if record:
            module.warn(f"applied_state: nothing recorded in {p['name']}, {result['reason']}")
        module.exit_json(**result)
    result["reads"] = returned
    fresh = fingerprint(p["inputs"], covered)
    result["fingerprint"] = fresh

    if not record:
        if not result["reason"]:
            if not stored:
                result["reason"] = f"no fingerprint stored in {p['name']}"
            elif stored["fingerprint"] != fresh:
                result["reason"] = "the inputs or the resources differ from the last recorded run"
            else:
                result["in_sync"] = True
        module.exit_json(**result)

    if stored.get("fingerprint") == fresh and stored.get("facts") == p["facts"]:
        module.exit_json(**result)
    result["changed"] = True
    if not module.check_mode:
        try:
            ssm.put_parameter(
                aws_retry=True,
                Name=p["name"],
                Description="What Ansible last applied (skillstream.aws.applied_state)",
                Type="String",
                Overwrite=True,
                Value=render_stored(fresh, p["facts"]),
            )
        except aws_errors as e:
            module.fail_json_aws(e, msg=f"Failed to store the fingerprint in {p['name']}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
