"""localcloud's CloudFront edge serves the distribution the cloudfront role made, reading the
bucket only as that distribution (the bucket policy's Origin Access Control statement)."""

from __future__ import annotations

import json
import os
import socket
import ssl
import time

import pytest
import requests

from .conftest import client, media_vars, run_playbook, unique

BOTH = {"media_roles": ["s3_media", "cloudfront"]}
VIDEO = bytes(range(256)) * 64  # 16 KiB of known bytes


@pytest.fixture(scope="module")
def edge(aws_endpoint: str, localcloud, tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("edge")
    variables = {**media_vars(unique("edge")), **BOTH}
    run = run_playbook(aws_endpoint, "media.yml", variables, tmp).ok()
    domain = run.facts["cloudfront_app_config"]["AWS_S3_CUSTOM_DOMAIN"]
    host = domain.removesuffix(".cloudfront.net") + ".cloudfront.localhost"
    port = int(localcloud.env["LOCALCLOUD_EDGE_PORT"])
    s3 = client("s3", aws_endpoint)
    bucket = variables["s3_media_bucket_name"]
    s3.put_object(Bucket=bucket, Key="media/videos/a.mp4", Body=VIDEO, ContentType="video/mp4")
    return {"vars": variables, "tmp": tmp, "host": host, "port": port, "s3": s3, "bucket": bucket}


def get(edge: dict, path: str, **headers: str) -> requests.Response:
    """Through the edge as a browser asks it: the distribution's host name, over https."""
    return requests.get(
        f"https://127.0.0.1:{edge['port']}{path}",
        headers={"Host": f"{edge['host']}:{edge['port']}", **headers},
        verify=edge_ca(),
        timeout=30,
    )


def edge_ca() -> str:
    """localcloud's CA (the session fixture exports its env)."""
    return os.environ["LOCALCLOUD_TLS_CERT"]


def test_serves_the_object_then_from_its_cache(edge: dict) -> None:
    first = get(edge, "/media/videos/a.mp4")
    assert first.status_code == 200
    assert first.content == VIDEO
    assert first.headers["X-Cache"] == "Miss from cloudfront"
    assert first.headers["Content-Type"] == "video/mp4"
    second = get(edge, "/media/videos/a.mp4")
    assert second.headers["X-Cache"] == "Hit from cloudfront"
    assert second.content == VIDEO


def test_ranges_and_validators(edge: dict) -> None:
    part = get(edge, "/media/videos/a.mp4", Range="bytes=100-199")
    assert part.status_code == 206
    assert part.content == VIDEO[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(VIDEO)}"
    tail = get(edge, "/media/videos/a.mp4", Range="bytes=-10")
    assert tail.content == VIDEO[-10:]
    assert get(edge, "/media/videos/a.mp4", Range="bytes=999999-").status_code == 416
    whole = get(edge, "/media/videos/a.mp4")
    etag, modified = whole.headers["ETag"], whole.headers["Last-Modified"]
    assert get(edge, "/media/videos/a.mp4", **{"If-None-Match": etag}).status_code == 304
    assert get(edge, "/media/videos/a.mp4", **{"If-Modified-Since": modified}).status_code == 304
    assert get(edge, "/media/videos/a.mp4", **{"If-None-Match": '"other"'}).status_code == 200


def test_tls_names_the_distribution_host(edge: dict) -> None:
    """A browser asks for the host by SNI and gets a certificate for it, from localcloud's CA."""
    ctx = ssl.create_default_context(cafile=edge_ca())
    with (
        socket.create_connection(("127.0.0.1", edge["port"]), timeout=30) as raw,
        ctx.wrap_socket(raw, server_hostname=edge["host"]) as tls,
    ):
        names = [v for k, v in tls.getpeercert()["subjectAltName"] if k == "DNS"]
    assert names == [edge["host"]]


def test_unknown_host_and_other_prefixes_are_refused(edge: dict) -> None:
    other = requests.get(
        f"https://127.0.0.1:{edge['port']}/media/videos/a.mp4",
        headers={"Host": "dnothere.cloudfront.localhost"},
        verify=edge_ca(),
        timeout=30,
    )
    assert other.status_code == 403
    edge["s3"].put_object(Bucket=edge["bucket"], Key="private/x", Body=b"secret")
    assert get(edge, "/private/x").status_code == 403  # the statement stops at media/


def test_without_its_statement_the_edge_is_refused_until_a_deploy(
    aws_endpoint: str, edge: dict
) -> None:
    s3, bucket = edge["s3"], edge["bucket"]
    s3.put_object(Bucket=bucket, Key="media/videos/b.mp4", Body=b"b" * 1000)
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    kept = [
        st for st in policy["Statement"] if st.get("Sid") != "AllowCloudFrontMediaDistributionRead"
    ]
    assert len(kept) < len(policy["Statement"])
    if kept:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({**policy, "Statement": kept}))
    else:
        s3.delete_bucket_policy(Bucket=bucket)
    time.sleep(1.5)  # the edge re-reads a bucket policy after a second
    refused = get(edge, "/media/videos/b.mp4")
    assert refused.status_code == 403
    assert "AccessDenied" in refused.text

    run_playbook(aws_endpoint, "media.yml", edge["vars"], edge["tmp"]).ok()
    deadline = time.monotonic() + 60  # CloudFront keeps an error for 10 s by default
    while (back := get(edge, "/media/videos/b.mp4")).status_code != 200:
        assert time.monotonic() < deadline, back.status_code
        time.sleep(1)
    assert back.content == b"b" * 1000


def test_default_root_object_and_custom_error_responses(
    aws_endpoint: str, localcloud, edge: dict
) -> None:
    """A distribution made outside the role: its root object and error page are honoured."""
    cloudfront, s3, bucket = client("cloudfront", aws_endpoint), edge["s3"], edge["bucket"]
    s3.put_object(
        Bucket=bucket, Key="media/index.html", Body=b"<h1>home</h1>", ContentType="text/html"
    )
    s3.put_object(
        Bucket=bucket, Key="media/404.html", Body=b"<h1>gone</h1>", ContentType="text/html"
    )
    ref = unique("site")
    made = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": ref,
            "Comment": ref,
            "Enabled": True,
            "DefaultRootObject": "index.html",
            "Origins": {"Quantity": 1, "Items": [{
                "Id": "s3", "DomainName": f"{bucket}.s3.us-east-1.amazonaws.com",
                "OriginPath": "/media",
                "S3OriginConfig": {"OriginAccessIdentity": ""},
            }]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "s3", "ViewerProtocolPolicy": "https-only",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
            },
            "CustomErrorResponses": {"Quantity": 1, "Items": [{
                "ErrorCode": 403, "ResponsePagePath": "/404.html", "ResponseCode": "404",
                "ErrorCachingMinTTL": 0,
            }]},
        }
    )["Distribution"]  # fmt: skip
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    policy["Statement"].append({
        "Sid": "SiteRead", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/media/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": made["ARN"]}},
    })  # fmt: skip
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    site = {
        **edge,
        "host": made["DomainName"].removesuffix(".cloudfront.net") + ".cloudfront.localhost",
    }
    deadline = time.monotonic() + 30  # the edge learns of new distributions within seconds
    while (home := get(site, "/")).status_code == 403 and time.monotonic() < deadline:
        time.sleep(1)
    assert home.status_code == 200
    assert home.content == b"<h1>home</h1>"
    missing = get(site, "/nothing-here.html")  # no s3:ListBucket: S3 says 403, the page says 404
    assert missing.status_code == 404
    assert missing.content == b"<h1>gone</h1>"


def test_down_then_up_keeps_the_bucket_its_videos_and_the_distribution(
    aws_endpoint: str, localcloud, edge: dict
) -> None:
    """A reboot of localcloud: a video uploaded before still plays through the same CDN host,
    and the media roles find everything as they left it (nothing to change)."""
    clip = bytes(reversed(range(256))) * 512  # never asked of the edge before: not in its cache
    edge["s3"].put_object(
        Bucket=edge["bucket"], Key="media/videos/kept.mp4", Body=clip, ContentType="video/mp4"
    )
    time.sleep(1.5)  # moto's state is saved within a second of a change; down saves it too

    assert localcloud.cli("down").returncode == 0
    assert localcloud.cli("up").returncode == 0

    assert json.loads(localcloud.cli("env", "--json").stdout)["LOCALCLOUD_EDGE_PORT"] == str(
        edge["port"]
    )
    deadline = time.monotonic() + 30  # the edge reads the distributions again after its start
    while (played := get(edge, "/media/videos/kept.mp4", Range="bytes=0-")).status_code != 206:
        assert time.monotonic() < deadline, played.status_code
        time.sleep(1)
    assert played.content == clip
    again = run_playbook(aws_endpoint, "media.yml", edge["vars"], edge["tmp"]).ok()
    assert again.changed == 0, again.output[-3000:]
