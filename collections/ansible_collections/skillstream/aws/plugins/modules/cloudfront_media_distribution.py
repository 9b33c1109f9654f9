#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Ansible modules keep DOCUMENTATION first and the optional-import idiom:
# ruff: noqa: E402, SIM105

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudfront_media_distribution
short_description: Manage a CloudFront distribution in front of a private S3 bucket
version_added: 1.0.0
description:
  - Creates, updates, disables and deletes a CloudFront distribution whose single origin
    is a private S3 bucket reached through an Origin Access Control.
  - Idempotent where C(community.aws.cloudfront_distribution) is not. The distribution is
    found by its caller reference (O(name)); its configuration is compared the way
    CloudFront returns it. Only the keys this module sets are compared, set-like lists
    compare as sets, and keys the service does not return at all are not compared
    (moto, for one, drops C(S3OriginConfig) and C(OriginAccessControlId)).
  - Updates send the whole configuration with the C(ETag) read just before (C(IfMatch)).
options:
  name:
    description:
      - Caller reference of the distribution; identifies it across runs. Never change it
        for an existing distribution (a new name creates a new distribution).
    type: str
    required: true
  comment:
    description: Comment shown in the console (at most 128 characters).
    type: str
    default: ""
  origin_domain_name:
    description:
      - Regional REST domain of the bucket, for example
        C(skillstream-media.s3.eu-west-1.amazonaws.com). Required with O(state=present).
    type: str
  origin_id:
    description: Identifier of the origin inside the distribution.
    type: str
    default: s3-media
  origin_path:
    description: Path prefix CloudFront adds to every origin request (V("") for none).
    type: str
    default: ""
  origin_access_control_id:
    description: Id of the Origin Access Control that signs requests to the bucket.
    type: str
  enabled:
    description: Whether the distribution serves requests.
    type: bool
    default: true
  price_class:
    description: Edge locations used.
    type: str
    choices: [PriceClass_100, PriceClass_200, PriceClass_All]
    default: PriceClass_100
  aliases:
    description: Alternate domain names (CNAMEs). Requires O(acm_certificate_arn).
    type: list
    elements: str
    default: []
  acm_certificate_arn:
    description: ARN of an ACM certificate in us-east-1 covering every alias.
    type: str
  minimum_protocol_version:
    description:
      - Minimum TLS version for viewers. Only applies with O(acm_certificate_arn); with the
        default C(*.cloudfront.net) certificate CloudFront pins it to C(TLSv1) itself.
    type: str
    default: TLSv1.2_2021
  viewer_protocol_policy:
    description: What plain-http viewers get.
    type: str
    choices: [https-only, redirect-to-https, allow-all]
    default: https-only
  compress:
    description: Compress responses (gzip and brotli) when the viewer accepts it.
    type: bool
    default: true
  cache_policy_id:
    description: Cache policy of the default behaviour (default is the managed C(CachingOptimized)).
    type: str
    default: 658327ea-f89d-4fab-a63d-7e88639e58f6
  origin_request_policy_id:
    description: Origin request policy of the default behaviour.
    type: str
  response_headers_policy_id:
    description: Response headers policy of the default behaviour.
    type: str
  allowed_methods:
    description: HTTP methods the default behaviour forwards.
    type: list
    elements: str
    default: [GET, HEAD]
  cached_methods:
    description: HTTP methods whose responses are cached.
    type: list
    elements: str
    default: [GET, HEAD]
  http_version:
    description: Highest HTTP version served to viewers.
    type: str
    choices: [http1.1, http2, http2and3, http3]
    default: http2and3
  ipv6_enabled:
    description: Serve over IPv6 too.
    type: bool
    default: true
  tags:
    description: Tags of the distribution.
    type: dict
    default: {}
  purge_tags:
    description: Remove tags not in O(tags).
    type: bool
    default: true
  state:
    description:
      - V(present) creates or updates; V(absent) disables the distribution and, once
        CloudFront reports it deployed, deletes it (with O(wait=false) a disabled but not
        yet deployed distribution is left for the next run).
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Wait until the distribution is deployed after a change.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait=true).
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
author:
  - SkillStream ops
"""

EXAMPLES = r"""
- name: Ensure the media distribution serves the bucket through its OAC
  skillstream.aws.cloudfront_media_distribution:
    name: skillstream-production-media
    comment: SkillStream media (production)
    origin_domain_name: skillstream-production-media.s3.eu-west-1.amazonaws.com
    origin_access_control_id: "{{ media_oac.origin_access_control.id }}"
    price_class: PriceClass_All
    aliases: [media.skillstream.example]
    acm_certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/abcd
    tags:
      Environment: production
    state: present
  register: media_cdn
"""

RETURN = r"""
distribution:
  description: The distribution (empty once deleted).
  returned: always
  type: dict
  contains:
    id:
      description: Distribution id.
      type: str
      sample: E1ABCDEF2GHIJK
    arn:
      description: Distribution ARN, for the bucket policy's C(AWS:SourceArn) condition.
      type: str
    domain_name:
      description: The C(*.cloudfront.net) domain.
      type: str
      sample: d111111abcdef8.cloudfront.net
    status:
      description: C(InProgress) or C(Deployed).
      type: str
    enabled:
      description: Whether it serves requests.
      type: bool
differences:
  description: Dotted paths of the configuration that differed before an update.
  returned: when an existing distribution was updated
  type: list
  elements: str
  sample: ["PriceClass", "Aliases.Items"]
"""

import time
from typing import Any

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)
from ansible_collections.skillstream.aws.plugins.module_utils.cloudfront_config import (
    config_differences,
    project,
)


def wrap(items: list) -> dict:
    return {"Quantity": len(items), "Items": list(items)} if items else {"Quantity": 0}


def desired_config(p: dict, caller_reference: str) -> dict:
    origin = {
        "Id": p["origin_id"],
        "DomainName": p["origin_domain_name"],
        "OriginPath": p["origin_path"],
        "S3OriginConfig": {"OriginAccessIdentity": ""},
        "OriginAccessControlId": p["origin_access_control_id"] or "",
    }
    behavior: dict[str, Any] = {
        "TargetOriginId": p["origin_id"],
        "ViewerProtocolPolicy": p["viewer_protocol_policy"],
        "Compress": p["compress"],
        "CachePolicyId": p["cache_policy_id"],
        "AllowedMethods": {
            **wrap(p["allowed_methods"]),
            "CachedMethods": wrap(p["cached_methods"]),
        },
    }
    if p["origin_request_policy_id"]:
        behavior["OriginRequestPolicyId"] = p["origin_request_policy_id"]
    if p["response_headers_policy_id"]:
        behavior["ResponseHeadersPolicyId"] = p["response_headers_policy_id"]
    if p["acm_certificate_arn"]:
        certificate = {
            "ACMCertificateArn": p["acm_certificate_arn"],
            "SSLSupportMethod": "sni-only",
            "MinimumProtocolVersion": p["minimum_protocol_version"],
        }
    else:
        certificate = {"CloudFrontDefaultCertificate": True}
    return {
        "CallerReference": caller_reference,
        "Comment": p["comment"],
        "Enabled": p["enabled"],
        "PriceClass": p["price_class"],
        "HttpVersion": p["http_version"],
        "IsIPV6Enabled": p["ipv6_enabled"],
        "Aliases": wrap(sorted(p["aliases"])),
        "Origins": wrap([origin]),
        "DefaultCacheBehavior": behavior,
        "ViewerCertificate": certificate,
    }


def find_distribution(client: Any, name: str) -> dict | None:
    """Return ``{"Id", "ARN", "ETag", "Config", ...}`` of the distribution ``name``."""
    paginator = client.get_paginator("list_distributions")
    for page in paginator.paginate():
        for summary in page["DistributionList"].get("Items") or []:
            got = client.get_distribution_config(aws_retry=True, Id=summary["Id"])
            if got["DistributionConfig"]["CallerReference"] == name:
                return {
                    "Id": summary["Id"],
                    "ARN": summary["ARN"],
                    "DomainName": summary["DomainName"],
                    "Status": summary["Status"],
                    "ETag": got["ETag"],
                    "Config": got["DistributionConfig"],
                }
    return None


def describe(found: dict, config: dict) -> dict:
    return {
        "id": found["Id"],
        "arn": found["ARN"],
        "domain_name": found["DomainName"],
        "status": found["Status"],
        "enabled": config["Enabled"],
    }


def wait_deployed(module: AnsibleAWSModule, client: Any, dist_id: str) -> str:
    deadline = time.monotonic() + module.params["wait_timeout"]
    while True:
        status = client.get_distribution(aws_retry=True, Id=dist_id)["Distribution"]["Status"]
        if status == "Deployed" or not module.params["wait"]:
            return status
        if time.monotonic() > deadline:
            module.fail_json(msg=f"Distribution {dist_id} not deployed after wait_timeout")
        time.sleep(15)


def sync_tags(module: AnsibleAWSModule, client: Any, arn: str) -> bool:
    current = boto3_tag_list_to_ansible_dict(
        client.list_tags_for_resource(aws_retry=True, Resource=arn)["Tags"].get("Items", [])
    )
    to_set, to_unset = compare_aws_tags(current, module.params["tags"], module.params["purge_tags"])
    if module.check_mode:
        return bool(to_set or to_unset)
    if to_set:
        client.tag_resource(
            aws_retry=True, Resource=arn, Tags={"Items": ansible_dict_to_boto3_tag_list(to_set)}
        )
    if to_unset:
        client.untag_resource(aws_retry=True, Resource=arn, TagKeys={"Items": to_unset})
    return bool(to_set or to_unset)


def ensure_absent(module: AnsibleAWSModule, client: Any, found: dict | None) -> None:
    if found is None:
        module.exit_json(changed=False, distribution={})
    config = found["Config"]
    if config["Enabled"]:
        if not module.check_mode:
            config["Enabled"] = False
            client.update_distribution(
                aws_retry=True, Id=found["Id"], IfMatch=found["ETag"], DistributionConfig=config
            )
            found["Status"] = wait_deployed(module, client, found["Id"])
        if found["Status"] != "Deployed" or module.check_mode:
            module.exit_json(changed=True, distribution=describe(found, config))
        found["ETag"] = client.get_distribution_config(aws_retry=True, Id=found["Id"])["ETag"]
    elif found["Status"] != "Deployed":
        found["Status"] = wait_deployed(module, client, found["Id"])
        if found["Status"] != "Deployed":
            module.exit_json(changed=False, distribution=describe(found, config))
    if not module.check_mode:
        client.delete_distribution(aws_retry=True, Id=found["Id"], IfMatch=found["ETag"])
    module.exit_json(changed=True, distribution={})


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            comment=dict(type="str", default=""),
            origin_domain_name=dict(type="str"),
            origin_id=dict(type="str", default="s3-media"),
            origin_path=dict(type="str", default=""),
            origin_access_control_id=dict(type="str"),
            enabled=dict(type="bool", default=True),
            price_class=dict(
                type="str",
                default="PriceClass_100",
                choices=["PriceClass_100", "PriceClass_200", "PriceClass_All"],
            ),
            aliases=dict(type="list", elements="str", default=[]),
            acm_certificate_arn=dict(type="str"),
            minimum_protocol_version=dict(type="str", default="TLSv1.2_2021"),
            viewer_protocol_policy=dict(
                type="str",
                default="https-only",
                choices=["https-only", "redirect-to-https", "allow-all"],
            ),
            compress=dict(type="bool", default=True),
            cache_policy_id=dict(type="str", default="658327ea-f89d-4fab-a63d-7e88639e58f6"),
            origin_request_policy_id=dict(type="str"),
            response_headers_policy_id=dict(type="str"),
            allowed_methods=dict(type="list", elements="str", default=["GET", "HEAD"]),
            cached_methods=dict(type="list", elements="str", default=["GET", "HEAD"]),
            http_version=dict(
                type="str", default="http2and3", choices=["http1.1", "http2", "http2and3", "http3"]
            ),
            ipv6_enabled=dict(type="bool", default=True),
            tags=dict(type="dict", default={}),
            purge_tags=dict(type="bool", default=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=1800),
        ),
        required_if=[("state", "present", ["origin_domain_name"])],
        supports_check_mode=True,
    )
    p = module.params
    if p["aliases"] and not p["acm_certificate_arn"]:
        module.fail_json(msg="aliases need acm_certificate_arn (a certificate covering them)")
    client = module.client("cloudfront", retry_decorator=AWSRetry.jittered_backoff())

    try:
        found = find_distribution(client, p["name"])
        if p["state"] == "absent":
            ensure_absent(module, client, found)

        desired = desired_config(p, p["name"])
        if found is None:
            if module.check_mode:
                module.exit_json(changed=True, distribution={})
            created = client.create_distribution_with_tags(
                aws_retry=True,
                DistributionConfigWithTags={
                    "DistributionConfig": desired,
                    "Tags": {"Items": ansible_dict_to_boto3_tag_list(p["tags"])},
                },
            )["Distribution"]
            found = {
                "Id": created["Id"],
                "ARN": created["ARN"],
                "DomainName": created["DomainName"],
                "Status": wait_deployed(module, client, created["Id"]),
            }
            module.exit_json(
                changed=True,
                distribution=describe(found, desired),
                diff={"before": {}, "after": desired},
            )

        differences = config_differences(desired, found["Config"], ignore=("CallerReference",))
        changed = bool(differences)
        if changed and not module.check_mode:
            client.update_distribution(
                aws_retry=True, Id=found["Id"], IfMatch=found["ETag"], DistributionConfig=desired
            )
            found["Status"] = wait_deployed(module, client, found["Id"])
        changed = sync_tags(module, client, found["ARN"]) or changed
        result: dict[str, Any] = {
            "changed": changed,
            "distribution": describe(found, desired if differences else found["Config"]),
        }
        if differences:
            result["differences"] = differences
            result["diff"] = {"before": project(desired, found["Config"]), "after": desired}
        module.exit_json(**result)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to manage CloudFront distribution {p['name']}")


if __name__ == "__main__":
    main()
