#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Ansible modules keep DOCUMENTATION first and the optional-import idiom:
# ruff: noqa: E402, SIM105

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudfront_origin_access_control
short_description: Manage a CloudFront Origin Access Control
version_added: 1.0.0
description:
  - Creates, updates or deletes a CloudFront Origin Access Control (OAC), the successor of
    Origin Access Identities. An OAC lets a distribution sign its requests to a private S3
    origin with SigV4, so the bucket can stay closed to everyone but that distribution.
  - The OAC is found by its O(name), which CloudFront keeps unique per account.
  - A second run with the same options reports no change.
options:
  name:
    description: Name of the OAC (unique in the account, at most 64 characters).
    type: str
    required: true
  description:
    description: Free-text description.
    type: str
    default: ""
  origin_type:
    description: The kind of origin the OAC signs requests for.
    type: str
    choices: [s3, mediastore, lambda, mediapackagev2]
    default: s3
  signing_behavior:
    description:
      - V(always) signs every request (the right choice for a private bucket);
        V(no-override) keeps a viewer's own Authorization header; V(never) does not sign.
    type: str
    choices: [always, never, no-override]
    default: always
  signing_protocol:
    description: The signing protocol; CloudFront only knows V(sigv4).
    type: str
    choices: [sigv4]
    default: sigv4
  state:
    description: Whether the OAC exists.
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
- name: Ensure the media bucket's Origin Access Control exists
  skillstream.aws.cloudfront_origin_access_control:
    name: skillstream-production-media
    description: CloudFront signs its requests to the media bucket
    state: present
  register: media_oac

- name: Remove an Origin Access Control no distribution uses any more
  skillstream.aws.cloudfront_origin_access_control:
    name: skillstream-old-media
    state: absent
"""

RETURN = r"""
origin_access_control:
  description: The OAC as CloudFront describes it (empty when absent).
  returned: always
  type: dict
  contains:
    id:
      description: The OAC identifier, used as C(OriginAccessControlId) by a distribution origin.
      type: str
      sample: E2QWRUHAPOMQZL
    name:
      description: The OAC name.
      type: str
    description:
      description: The description.
      type: str
    origin_type:
      description: The origin type.
      type: str
      sample: s3
    signing_behavior:
      description: The signing behaviour.
      type: str
      sample: always
    signing_protocol:
      description: The signing protocol.
      type: str
      sample: sigv4
"""

from typing import Any

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def find_oac(client: Any, name: str) -> dict | None:
    """Return ``{"Id", "ETag", "Config"}`` of the OAC named ``name``, or None."""
    marker = None
    while True:
        kwargs = {"Marker": marker} if marker else {}
        page = client.list_origin_access_controls(aws_retry=True, **kwargs)[
            "OriginAccessControlList"
        ]
        for item in page.get("Items") or []:
            if item["Name"] == name:
                got = client.get_origin_access_control(aws_retry=True, Id=item["Id"])
                return {
                    "Id": item["Id"],
                    "ETag": got["ETag"],
                    "Config": got["OriginAccessControl"]["OriginAccessControlConfig"],
                }
        marker = page.get("NextMarker")
        if not page.get("IsTruncated") or not marker:
            return None


def describe(oac_id: str, config: dict) -> dict:
    return {
        "id": oac_id,
        "name": config["Name"],
        "description": config.get("Description", ""),
        "origin_type": config["OriginAccessControlOriginType"],
        "signing_behavior": config["SigningBehavior"],
        "signing_protocol": config["SigningProtocol"],
    }


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            description=dict(type="str", default=""),
            origin_type=dict(
                type="str", default="s3", choices=["s3", "mediastore", "lambda", "mediapackagev2"]
            ),
            signing_behavior=dict(
                type="str", default="always", choices=["always", "never", "no-override"]
            ),
            signing_protocol=dict(type="str", default="sigv4", choices=["sigv4"]),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    client = module.client("cloudfront", retry_decorator=AWSRetry.jittered_backoff())
    desired = {
        "Name": params["name"],
        "Description": params["description"],
        "SigningProtocol": params["signing_protocol"],
        "SigningBehavior": params["signing_behavior"],
        "OriginAccessControlOriginType": params["origin_type"],
    }

    try:
        current = find_oac(client, params["name"])
        if params["state"] == "absent":
            if current is None:
                module.exit_json(changed=False, origin_access_control={})
            if not module.check_mode:
                client.delete_origin_access_control(
                    aws_retry=True, Id=current["Id"], IfMatch=current["ETag"]
                )
            module.exit_json(
                changed=True,
                origin_access_control={},
                diff={"before": describe(current["Id"], current["Config"]), "after": {}},
            )

        if current is None:
            if module.check_mode:
                module.exit_json(changed=True, origin_access_control=describe("", desired))
            created = client.create_origin_access_control(
                aws_retry=True, OriginAccessControlConfig=desired
            )["OriginAccessControl"]
            module.exit_json(
                changed=True,
                origin_access_control=describe(created["Id"], created["OriginAccessControlConfig"]),
                diff={"before": {}, "after": describe(created["Id"], desired)},
            )

        # Description comes back missing instead of "" from some endpoints: treat alike.
        have = {k: current["Config"].get(k, "") for k in desired}
        if have == desired:
            module.exit_json(
                changed=False, origin_access_control=describe(current["Id"], current["Config"])
            )
        if not module.check_mode:
            client.update_origin_access_control(
                aws_retry=True,
                Id=current["Id"],
                IfMatch=current["ETag"],
                OriginAccessControlConfig=desired,
            )
        module.exit_json(
            changed=True,
            origin_access_control=describe(current["Id"], desired),
            diff={
                "before": describe(current["Id"], have),
                "after": describe(current["Id"], desired),
            },
        )
    except is_boto3_error_code("OriginAccessControlInUse") as e:
        module.fail_json_aws(e, msg=f"OAC {params['name']} is still used by a distribution")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to manage CloudFront OAC {params['name']}")


if __name__ == "__main__":
    main()
