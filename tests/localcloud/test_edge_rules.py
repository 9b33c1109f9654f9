"""The edge's rules on their own: who may read under a bucket policy, how long a response is
kept, and which bytes a Range names."""

from __future__ import annotations

import json

from localcloud.edge.access import allowed
from localcloud.edge.cache import MANAGED_POLICIES, ttl_for
from localcloud.edge.viewer import byte_range, not_modified

DIST = "arn:aws:cloudfront::123456789012:distribution/E1"
OTHER = "arn:aws:cloudfront::123456789012:distribution/E2"
OBJECT = "arn:aws:s3:::media-bucket/media/a.mp4"


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


OAC = {
    "Effect": "Allow",
    "Principal": {"Service": "cloudfront.amazonaws.com"},
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::media-bucket/media/*",
    "Condition": {"StringEquals": {"AWS:SourceArn": DIST}},
}


def test_only_the_distribution_named_in_the_statement_may_read() -> None:
    assert allowed(policy(OAC), "s3:GetObject", OBJECT, DIST)
    assert not allowed(policy(OAC), "s3:GetObject", OBJECT, OTHER)
    assert not allowed(policy(OAC), "s3:GetObject", "arn:aws:s3:::media-bucket/private/x", DIST)
    assert not allowed(policy(OAC), "s3:PutObject", OBJECT, DIST)
    assert not allowed(None, "s3:GetObject", OBJECT, DIST)
    assert not allowed("not json", "s3:GetObject", OBJECT, DIST)


def test_an_explicit_deny_wins_and_tls_only_rules_do_not_bite() -> None:
    deny_all = {**OAC, "Effect": "Deny", "Condition": {}}
    assert not allowed(policy(OAC, deny_all), "s3:GetObject", OBJECT, DIST)
    tls_only = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::media-bucket/*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    assert allowed(policy(OAC, tls_only), "s3:GetObject", OBJECT, DIST)  # CloudFront uses TLS


def test_ttl_follows_the_origin_within_the_policy() -> None:
    optimized = MANAGED_POLICIES["658327ea-f89d-4fab-a63d-7e88639e58f6"]
    assert ttl_for(None, optimized) == 86400
    assert ttl_for("public, max-age=60", optimized) == 60
    assert ttl_for("max-age=0", optimized) == 1  # the policy's minimum
    assert ttl_for("public, max-age=99999999", optimized) == 31536000
    assert ttl_for("no-store", optimized) == 1
    assert ttl_for("max-age=60", MANAGED_POLICIES["4135ea2d-6df8-44a3-9df3-4b5a84be39ad"]) == 0


def test_ranges_and_conditions() -> None:
    assert byte_range("bytes=0-99", 1000) == (0, 99)
    assert byte_range("bytes=990-", 1000) == (990, 999)
    assert byte_range("bytes=-10", 1000) == (990, 999)
    assert byte_range("bytes=500-2000", 1000) == (500, 999)
    assert byte_range("bytes=1000-", 1000) is False
    assert byte_range("bytes=0-1,5-6", 1000) is None  # several: the whole object
    assert byte_range(None, 1000) is None
    headers = {"ETag": '"abc"', "Last-Modified": "Tue, 01 Dec 2026 05:00:00 GMT"}
    assert not_modified(headers, '"abc"', None)
    assert not_modified(headers, 'W/"abc", "x"', None)
    assert not not_modified(headers, '"x"', "Tue, 01 Dec 2026 06:00:00 GMT")  # ETag decides
    assert not_modified(headers, None, "Tue, 01 Dec 2026 06:00:00 GMT")
    assert not not_modified(headers, None, "Tue, 01 Dec 2026 04:00:00 GMT")
