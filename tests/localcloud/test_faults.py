"""Every fault kind, as a client sees it."""

from __future__ import annotations

import time

import lc_sample as sample
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError
from conftest import wait_for

from tests.conftest import moto_client


@pytest.fixture(autouse=True)
def _clear_faults(api):
    yield
    api.control("DELETE", "/faults")


def test_status_fault_answers_n_times_with_retry_after(api, app) -> None:
    path = f"/apps/{app['name']}"
    added = api.control("POST", "/faults", json={
        "kind": "status", "status": 503, "method": "GET", "path": f"^{path}$", "count": 2,
        "retry_after": 2,
    })  # fmt: skip
    assert added.status_code == 201
    assert [f["id"] for f in api.control("GET", "/faults").json()] == [added.json()["id"]]
    for _ in range(2):
        resp = api.get(path)
        assert resp.status_code == 503
        assert resp.headers["Retry-After"] == "2"
        assert set(resp.json()) >= {"id", "message"}
    assert api.patch(path, json={}).status_code == 200  # PATCH does not match the method
    assert api.get(path).status_code == 200
    assert api.control("GET", "/faults").json() == []


def test_rate_limit_fault_and_real_bucket(api, app) -> None:
    api.control("POST", "/faults", json={"kind": "status", "status": 429, "path": "/config-vars"})
    resp = api.get(f"/apps/{app['name']}/config-vars")
    assert resp.status_code == 429
    assert resp.json()["id"] == "rate_limit"
    assert resp.headers["RateLimit-Remaining"] == "0"
    # The bucket itself: empty it, and the API answers 429 until tokens refill.
    api.control("PUT", "/rate-limit", json={"remaining": 0})
    try:
        limited = api.get(f"/apps/{app['name']}")
        assert limited.status_code == 429
        assert limited.json()["id"] == "rate_limit"
        assert api.get("/account/rate-limits").status_code == 200  # does not count
    finally:
        api.control("PUT", "/rate-limit", json={"remaining": 4500})
    assert api.get(f"/apps/{app['name']}").status_code == 200


def test_hang_fault_delays_the_answer(api, app) -> None:
    api.control("POST", "/faults", json={"kind": "hang", "seconds": 1.5, "path": "/formation$"})
    start = time.monotonic()
    resp = api.get(f"/apps/{app['name']}/formation")
    assert resp.status_code == 200
    assert time.monotonic() - start >= 1.5
    with pytest.raises(requests.Timeout):
        api.control("POST", "/faults", json={"kind": "hang", "seconds": 3, "path": "/formation$"})
        api.get(f"/apps/{app['name']}/formation", timeout=1)


def test_drop_fault_closes_the_connection(api, app) -> None:
    api.control("POST", "/faults", json={"kind": "drop", "method": "POST", "path": "/builds$"})
    with pytest.raises(requests.ConnectionError):
        api.post(f"/apps/{app['name']}/builds", json={"source_blob": {"url": "http://x/"}})
    assert api.get(f"/apps/{app['name']}/builds").status_code == 200


def test_build_fail_fault(api, app) -> None:
    api.control("POST", "/faults", json={"kind": "build_fail", "app": app["name"]})
    build = sample.build(api, app["name"], sample.source_tarball("x", release=None), "f1")
    assert build["status"] == "failed"
    assert "fault injected" in requests.get(build["output_stream_url"], timeout=30).text
    assert build["release"] is None
    assert [r["version"] for r in api.get(f"/apps/{app['name']}/releases").json()] == [1]


def test_provision_delay_fault(api, app) -> None:
    api.control("POST", "/faults", json={"kind": "provision_delay", "seconds": 3})
    start = time.monotonic()
    addon = api.post(f"/apps/{app['name']}/addons", json={"plan": "heroku-redis:mini"}).json()
    time.sleep(1.5)
    assert api.get(f"/addons/{addon['id']}").json()["state"] == "provisioning"
    assert "REDIS_URL" not in api.get(f"/apps/{app['name']}/config-vars").json()
    wait_for(lambda: api.get(f"/addons/{addon['id']}").json()["state"] == "provisioned")
    assert time.monotonic() - start >= 3
    assert api.get(f"/apps/{app['name']}/config-vars").json()["REDIS_URL"].startswith("rediss://")


def test_aws_faults_on_s3(api, localcloud) -> None:
    s3 = moto_client(
        "s3", localcloud.aws_endpoint,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=2,
                      connect_timeout=2),
    )  # fmt: skip
    s3.create_bucket(Bucket="fault-bucket")
    api.control("POST", "/faults", json={
        "target": "aws", "kind": "status", "status": 500, "method": "PUT",
        "path": "^/fault-bucket/", "count": 1,
    })  # fmt: skip
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket="fault-bucket", Key="a.txt", Body=b"1")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert err.value.response["Error"]["Code"] == "InternalError"
    s3.put_object(Bucket="fault-bucket", Key="a.txt", Body=b"1")
    assert s3.get_object(Bucket="fault-bucket", Key="a.txt")["Body"].read() == b"1"
    api.control("POST", "/faults", json={"target": "aws", "kind": "drop", "method": "GET"})
    with pytest.raises((EndpointConnectionError, ConnectionError, Exception)) as dropped:
        s3.get_object(Bucket="fault-bucket", Key="a.txt")
    assert not isinstance(dropped.value, ClientError)


def test_bad_fault_is_refused(api) -> None:
    resp = api.control("POST", "/faults", json={"kind": "status", "status": 200})
    assert resp.status_code == 422
    assert api.control("POST", "/faults", json={"kind": "nope"}).status_code == 422
    for spec in (
        {"kind": "status", "status": 503, "after": True},
        {"kind": "drop", "target": "aws", "after": True},
        {"kind": "drop", "after": "yes"},
    ):
        refused = api.control("POST", "/faults", json=spec)
        assert refused.status_code == 422, spec
        assert "after" in refused.text, spec
