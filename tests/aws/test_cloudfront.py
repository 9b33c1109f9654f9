"""The cloudfront role against localcloud's moto: one OAC, one distribution, no churn."""

from __future__ import annotations

import json

import pytest

from .conftest import client, media_vars, run_playbook, unique

BOTH = {"media_roles": ["s3_media", "cloudfront"]}


def _ours(cloudfront, caller_reference: str) -> list[dict]:
    found = []
    for item in cloudfront.list_distributions()["DistributionList"].get("Items", []):
        config = cloudfront.get_distribution_config(Id=item["Id"])["DistributionConfig"]
        if config["CallerReference"] == caller_reference:
            found.append({**item, "Config": config})
    return found


@pytest.fixture(scope="module")
def cdn(aws_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("cloudfront")
    # TLS-only is the default on AWS; forced here because the endpoint is plain http.
    variables = {**media_vars(unique("cdn"), s3_media_require_tls=True), **BOTH}
    first = run_playbook(aws_endpoint, "media.yml", variables, tmp).ok()
    second = run_playbook(aws_endpoint, "media.yml", variables, tmp).ok()
    return {"vars": variables, "first": first, "second": second, "tmp": tmp}


def test_second_run_changes_nothing(cdn: dict) -> None:
    assert cdn["first"].changed > 0
    assert cdn["second"].changed == 0, cdn["second"].output[-3000:]


def test_one_oac_and_one_distribution_through_it(aws_endpoint: str, cdn: dict) -> None:
    cloudfront = client("cloudfront", aws_endpoint)
    name = cdn["vars"]["cloudfront_oac_name"]
    oacs = [
        o
        for o in cloudfront.list_origin_access_controls()["OriginAccessControlList"]["Items"]
        if o["Name"] == name
    ]
    assert len(oacs) == 1
    assert oacs[0]["SigningBehavior"] == "always"
    assert oacs[0]["OriginAccessControlOriginType"] == "s3"

    (dist,) = _ours(cloudfront, cdn["vars"]["cloudfront_distribution_name"])
    config = dist["Config"]
    bucket = cdn["vars"]["s3_media_bucket_name"]
    (origin,) = config["Origins"]["Items"]
    assert origin["DomainName"] == f"{bucket}.s3.us-east-1.amazonaws.com"
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "https-only"
    assert behavior["Compress"] is True
    assert behavior["CachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"
    assert config["PriceClass"] == "PriceClass_100"
    assert cdn["second"].facts["cloudfront_app_config"] == {
        "AWS_S3_CUSTOM_DOMAIN": dist["DomainName"]
    }


def test_only_this_distribution_may_read_the_media(aws_endpoint: str, cdn: dict) -> None:
    cloudfront = client("cloudfront", aws_endpoint)
    (dist,) = _ours(cloudfront, cdn["vars"]["cloudfront_distribution_name"])
    bucket = cdn["vars"]["s3_media_bucket_name"]
    policy = json.loads(client("s3", aws_endpoint).get_bucket_policy(Bucket=bucket)["Policy"])
    allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Sid": "AllowCloudFrontMediaDistributionRead",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/media/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": dist["ARN"]}},
        }
    ]
    # The s3_media role's statement survives the cloudfront role's write.
    (deny,) = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert deny["Sid"] == "DenyInsecureTransport"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_invalidation_on_request(aws_endpoint: str, cdn: dict) -> None:
    cloudfront = client("cloudfront", aws_endpoint)
    (dist,) = _ours(cloudfront, cdn["vars"]["cloudfront_distribution_name"])
    before = cloudfront.list_invalidations(DistributionId=dist["Id"])["InvalidationList"]
    assert before.get("Quantity", 0) == 0, "plain runs must not invalidate"
    variables = {
        **cdn["vars"],
        "cloudfront_invalidation_paths": ["/media/thumbs/*"],
    }
    run = run_playbook(aws_endpoint, "media.yml", variables, cdn["tmp"]).ok()
    assert run.changed == 1
    (item,) = cloudfront.list_invalidations(DistributionId=dist["Id"])["InvalidationList"]["Items"]
    got = cloudfront.get_invalidation(DistributionId=dist["Id"], Id=item["Id"])["Invalidation"]
    assert got["InvalidationBatch"]["Paths"]["Items"] == ["/media/thumbs/*"]


def test_drift_is_corrected_once(aws_endpoint: str, cdn: dict) -> None:
    cloudfront = client("cloudfront", aws_endpoint)
    variables = {**cdn["vars"], "cloudfront_price_class": "PriceClass_All"}
    changed = run_playbook(aws_endpoint, "media.yml", variables, cdn["tmp"], "--diff").ok()
    # The distribution, and the fingerprint of its new state (the fast path's record).
    assert changed.changed == 2
    assert "changed: [localhost]" in changed.output.split("Record what the media distribution")[1]
    assert "PriceClass" in changed.output
    (dist,) = _ours(cloudfront, cdn["vars"]["cloudfront_distribution_name"])
    assert dist["Config"]["PriceClass"] == "PriceClass_All"
    again = run_playbook(aws_endpoint, "media.yml", variables, cdn["tmp"]).ok()
    assert again.changed == 0
    assert len(_ours(cloudfront, cdn["vars"]["cloudfront_distribution_name"])) == 1
