#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Ansible modules keep DOCUMENTATION first and the optional-import idiom:
# ruff: noqa: E402, SIM105

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_bucket_policy_statements
short_description: Manage named statements of an S3 bucket policy
version_added: 1.0.0
description:
  - A bucket has one policy, but several owners may need a say in it (the bucket's role
    denies plain-http access, the CDN role lets its distribution read). This module
    manages only the statements whose C(Sid) it is given and leaves every other
    statement alone, so each owner can converge its part without undoing the others'.
  - Statements are compared after normalisation (order of lists, single values versus
    one-element lists), the way S3 may return a policy it was sent.
  - When the last statement goes, the bucket policy is deleted.
options:
  bucket:
    description: Name of the bucket.
    type: str
    required: true
  statements:
    description:
      - Policy statements, each with a unique C(Sid). With O(state=absent) only the
        C(Sid) of each is used.
    type: list
    elements: dict
    required: true
  state:
    description: Whether the statements are in the policy.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
author:
  - SkillStream ops
"""

EXAMPLES = r"""
- name: Ensure only the media distribution may read the bucket
  skillstream.aws.s3_bucket_policy_statements:
    bucket: skillstream-production-media
    statements:
      - Sid: AllowCloudFrontMediaDistributionRead
        Effect: Allow
        Principal:
          Service: cloudfront.amazonaws.com
        Action: s3:GetObject
        Resource: arn:aws:s3:::skillstream-production-media/media/*
        Condition:
          StringEquals:
            AWS:SourceArn: "{{ media_cdn.distribution.arn }}"
    state: present
"""

RETURN = r"""
policy:
  description: The bucket policy after the change (empty when there is none).
  returned: always
  type: dict
changed_sids:
  description: The C(Sid) of every statement added, replaced or removed.
  returned: always
  type: list
  elements: str
"""

import json
from typing import Any

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

VERSION = "2012-10-17"


def read_policy(client: Any, bucket: str, check_mode: bool) -> dict:
    try:
        raw = client.get_bucket_policy(aws_retry=True, Bucket=bucket)["Policy"]
    except is_boto3_error_code("NoSuchBucketPolicy"):
        return {}
    except is_boto3_error_code("NoSuchBucket"):
        if check_mode:  # an earlier task would have created it
            return {}
        raise
    return json.loads(raw)


def statement_differs(current: dict, desired: dict) -> bool:
    return compare_policies(
        {"Version": VERSION, "Statement": [current]},
        {"Version": VERSION, "Statement": [desired]},
    )


def merge(current: list[dict], desired: list[dict], present: bool) -> tuple[list[dict], list[str]]:
    """Return the new statement list and the Sids that changed."""
    wanted = {s["Sid"]: s for s in desired}
    result: list[dict] = []
    changed: list[str] = []
    for statement in current:
        sid = statement.get("Sid")
        if sid not in wanted:
            result.append(statement)
        elif present:
            if statement_differs(statement, wanted[sid]):
                changed.append(sid)
            result.append(wanted.pop(sid))
        else:
            changed.append(sid)
    if present:
        for sid, statement in wanted.items():
            changed.append(sid)
            result.append(statement)
    return result, changed


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec=dict(
            bucket=dict(type="str", required=True),
            statements=dict(type="list", elements="dict", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        supports_check_mode=True,
    )
    bucket = module.params["bucket"]
    statements = module.params["statements"]
    sids = [s.get("Sid") for s in statements]
    if not all(sids) or len(set(sids)) != len(sids):
        module.fail_json(msg="statements: every statement needs a unique Sid")
    client = module.client("s3", retry_decorator=AWSRetry.jittered_backoff())

    try:
        policy = read_policy(client, bucket, module.check_mode)
        current = policy.get("Statement", [])
        if isinstance(current, dict):
            current = [current]
        new_statements, changed_sids = merge(
            current, statements, module.params["state"] == "present"
        )
        new_policy = (
            {"Version": policy.get("Version", VERSION), "Statement": new_statements}
            if new_statements
            else {}
        )
        if changed_sids and not module.check_mode:
            if new_policy:
                client.put_bucket_policy(
                    aws_retry=True, Bucket=bucket, Policy=json.dumps(new_policy)
                )
            else:
                client.delete_bucket_policy(aws_retry=True, Bucket=bucket)
        module.exit_json(
            changed=bool(changed_sids),
            changed_sids=changed_sids,
            policy=new_policy if changed_sids else policy,
            diff={"before": policy, "after": new_policy},
        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to manage the policy of bucket {bucket}")


if __name__ == "__main__":
    main()
