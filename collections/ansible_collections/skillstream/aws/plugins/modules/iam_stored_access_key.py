#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Ansible modules keep DOCUMENTATION first and the optional-import idiom:
# ruff: noqa: E402, SIM105

from __future__ import annotations

DOCUMENTATION = r"""
---
module: iam_stored_access_key
short_description: Keep one IAM user access key, its secret in SSM Parameter Store
version_added: 1.0.0
description:
  - IAM shows an access key's secret only once, when the key is created. A playbook that
    must hand the secret to an application on every run either creates a new key every
    time (churn, and the two-key limit is hit on the third run) or stores the secret.
    This module stores it, as a C(SecureString) parameter in SSM Parameter Store, and
    reuses it as long as the key it names is still an active key of the user.
  - A new key is created when there is no stored key, when the stored key no longer
    exists or is inactive, or when O(rotate=true). The previous keys are left in place so
    the application keeps working until it runs with the new key; O(retire_others=true)
    deletes every key of the user except the stored one (run it after the release that
    carries the new key is healthy).
  - The returned C(secret_access_key) is a secret; register the result with C(no_log).
options:
  user_name:
    description: The IAM user that owns the key. It must exist.
    type: str
    required: true
  parameter_name:
    description:
      - SSM parameter that holds the key (a JSON document), for example
        C(/skillstream/production/s3-media/access-key).
    type: str
    required: true
  kms_key_id:
    description: KMS key for the C(SecureString); the account's C(alias/aws/ssm) when omitted.
    type: str
  rotate:
    description:
      - Create a new key even if the stored one is valid; the old one stays until
        O(retire_others).
    type: bool
    default: false
  retire_others:
    description: Delete every access key of the user except the stored one.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
author:
  - SkillStream ops
"""

EXAMPLES = r"""
- name: Ensure the media user has an access key stored in SSM
  skillstream.aws.iam_stored_access_key:
    user_name: skillstream-production-media
    parameter_name: /skillstream/production/s3-media/access-key
  register: media_key
  no_log: true

- name: Retire the keys the application no longer uses
  skillstream.aws.iam_stored_access_key:
    user_name: skillstream-production-media
    parameter_name: /skillstream/production/s3-media/access-key
    retire_others: true
"""

RETURN = r"""
access_key_id:
  description: Id of the stored (current) key; empty in check mode before the key exists.
  returned: always
  type: str
  sample: AKIAIOSFODNN7EXAMPLE
secret_access_key:
  description: Its secret; empty in check mode before the key exists.
  returned: always
  type: str
created:
  description: Whether a new key was created by this run.
  returned: always
  type: bool
other_access_key_ids:
  description: Keys of the user other than the current one (pending retirement).
  returned: always
  type: list
  elements: str
retired_access_key_ids:
  description: Keys deleted by this run.
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
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

IAM_KEY_LIMIT = 2


def list_keys(iam: Any, user_name: str, check_mode: bool) -> list[dict]:
    try:
        return iam.list_access_keys(aws_retry=True, UserName=user_name)["AccessKeyMetadata"]
    except is_boto3_error_code("NoSuchEntity"):
        if check_mode:  # an earlier task would have created the user
            return []
        raise


def read_stored(ssm: Any, name: str) -> dict | None:
    try:
        value = ssm.get_parameter(aws_retry=True, Name=name, WithDecryption=True)
    except is_boto3_error_code("ParameterNotFound"):
        return None
    try:
        stored = json.loads(value["Parameter"]["Value"])
    except ValueError:
        return None
    if not isinstance(stored, dict) or not stored.get("AccessKeyId"):
        return None
    return stored


def store(module: AnsibleAWSModule, ssm: Any, key: dict) -> None:
    kwargs: dict[str, Any] = {}
    if module.params["kms_key_id"]:
        kwargs["KeyId"] = module.params["kms_key_id"]
    ssm.put_parameter(
        aws_retry=True,
        Name=module.params["parameter_name"],
        Description=f"Access key of IAM user {module.params['user_name']} (managed by Ansible)",
        Type="SecureString",
        Overwrite=True,
        Value=json.dumps(
            {
                "UserName": key["UserName"],
                "AccessKeyId": key["AccessKeyId"],
                "SecretAccessKey": key["SecretAccessKey"],
            }
        ),
        **kwargs,
    )


def create_key(module: AnsibleAWSModule, iam: Any, ssm: Any) -> dict:
    key = iam.create_access_key(aws_retry=True, UserName=module.params["user_name"])["AccessKey"]
    try:
        store(module, ssm, key)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        # A key whose secret is lost is useless and eats one of the two slots.
        iam.delete_access_key(
            aws_retry=True, UserName=module.params["user_name"], AccessKeyId=key["AccessKeyId"]
        )
        module.fail_json_aws(e, msg="Failed to store the new access key; it was deleted again")
    return key


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec=dict(
            user_name=dict(type="str", required=True),
            parameter_name=dict(type="str", required=True),
            kms_key_id=dict(type="str"),
            rotate=dict(type="bool", default=False),
            retire_others=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    p = module.params
    iam = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    ssm = module.client("ssm", retry_decorator=AWSRetry.jittered_backoff())

    try:
        keys = list_keys(iam, p["user_name"], module.check_mode)
        active = {k["AccessKeyId"] for k in keys if k["Status"] == "Active"}
        stored = read_stored(ssm, p["parameter_name"])
        valid = stored is not None and stored["AccessKeyId"] in active
        changed = False
        created = False

        if p["rotate"] or not valid:
            if len(keys) >= IAM_KEY_LIMIT:
                module.fail_json(
                    msg=(
                        f"IAM user {p['user_name']} already has {len(keys)} access keys "
                        f"({', '.join(k['AccessKeyId'] for k in keys)}): finish the pending "
                        "rotation (retire_others) or delete an unused key before a new one"
                    )
                )
            changed = created = True
            if module.check_mode:
                stored = {"AccessKeyId": "", "SecretAccessKey": ""}
            else:
                stored = create_key(module, iam, ssm)

        current_id = stored["AccessKeyId"]
        others = [k["AccessKeyId"] for k in keys if k["AccessKeyId"] != current_id]
        retired: list[str] = []
        if p["retire_others"] and not created:
            for key_id in others:
                if not module.check_mode:
                    iam.delete_access_key(
                        aws_retry=True, UserName=p["user_name"], AccessKeyId=key_id
                    )
                retired.append(key_id)
            changed = changed or bool(retired)
            others = []

        module.exit_json(
            changed=changed,
            created=created,
            access_key_id=current_id,
            secret_access_key=stored["SecretAccessKey"],
            other_access_key_ids=others,
            retired_access_key_ids=retired,
        )
    except is_boto3_error_code("NoSuchEntity") as e:
        module.fail_json_aws(e, msg=f"IAM user {p['user_name']} does not exist")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to manage the access key of {p['user_name']}")


if __name__ == "__main__":
    main()
