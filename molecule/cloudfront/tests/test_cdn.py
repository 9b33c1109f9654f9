"""The media CDN as CloudFront and S3 report it over the wire, and the edge serving the
bucket's media through it (the object side_effect uploaded)."""

from __future__ import annotations

import json

import pytest
import requests


@pytest.fixture(scope="module")
def cloudfront(aws):
    return aws("cloudfront")


@pytest.fixture(scope="module")
def distribution(cloudfront, scenario) -> dict:
    """The distribution the role made: found by its caller reference, the role's name for it."""
    items = cloudfront.list_distributions()["DistributionList"].get("Items", [])
    found = []
    for item in items:
        got = cloudfront.get_distribution(Id=item["Id"])["Distribution"]
        if got["DistributionConfig"]["CallerReference"] == scenario["cloudfront_distribution_name"]:
            found.append(got)
    assert len(found) == 1, (
        f"{len(found)} distributions named {scenario['cloudfront_distribution_name']}"
    )
    return found[0]


def test_one_https_only_compressing_distribution_of_the_bucket(distribution, scenario) -> None:
    config = distribution["DistributionConfig"]
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "https-only"
    assert behaviour["Compress"] is True
    origins = config["Origins"]["Items"]
    assert [o["DomainName"] for o in origins] == [
        f"{scenario['s3_media_bucket_name']}.s3.us-east-1.amazonaws.com"
    ]


def test_the_roles_access_control_signs_every_s3_request(cloudfront, scenario) -> None:
    # moto drops the origin's OriginAccessControlId, so the link is not read back here; the
    # edge test below shows the bucket answers this distribution through the OAC statement.
    controls = cloudfront.list_origin_access_controls()["OriginAccessControlList"].get("Items", [])
    ours = [c for c in controls if c["Name"] == scenario["cloudfront_oac_name"]]
    assert len(ours) == 1, [c["Name"] for c in controls]
    assert (ours[0]["OriginAccessControlOriginType"], ours[0]["SigningBehavior"]) == (
        "s3",
        "always",
    )
    assert ours[0]["SigningProtocol"] == "sigv4"


def test_only_this_distribution_may_read_the_bucket(aws, distribution, scenario) -> None:
    policy = aws("s3").get_bucket_policy(Bucket=scenario["s3_media_bucket_name"])["Policy"]
    allow = [s for s in json.loads(policy)["Statement"] if s["Effect"] == "Allow"]
    assert len(allow) == 1, allow
    assert allow[0]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow[0]["Condition"]["StringEquals"]["AWS:SourceArn"] == distribution["ARN"]


def test_the_edge_serves_the_media_over_https(distribution, cloud, listening) -> None:
    port = cloud["LOCALCLOUD_EDGE_PORT"]
    assert listening(f"https://127.0.0.1:{port}")
    host = distribution["DomainName"].removesuffix(".cloudfront.net") + ".cloudfront.localhost"
    resp = requests.get(
        f"https://127.0.0.1:{port}/media/molecule/hello.txt",
        headers={"Host": f"{host}:{port}"},
        verify=cloud["LOCALCLOUD_TLS_CERT"],
        timeout=30,
    )
    assert resp.status_code == 200, resp.text[:300]
    assert resp.text == "served through the CDN\n"
    assert "cloudfront" in resp.headers.get("X-Cache", "")
