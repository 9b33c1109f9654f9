"""The API client against a real socket: pagination, retries, give-up, error messages."""

from __future__ import annotations

import json
import time

import pytest
from ansible_collections.skillstream.heroku.plugins.module_utils.client import (
    HerokuClient,
    HerokuError,
)

from .stub_server import Reply, StubServer

TOKEN = "test-token-5b1d7c0e-9f3a-4d55-8a6e-2c1f0e9d8b7a"


def make_client(stub: StubServer, **kwargs) -> tuple[HerokuClient, list[float]]:
    """A client whose sleeps are recorded (and skipped) so tests stay fast."""
    slept: list[float] = []
    kwargs.setdefault("sleep", slept.append)
    kwargs.setdefault("rand", lambda: 1.0)
    kwargs.setdefault("timeout", 5)
    client = HerokuClient(TOKEN, api_url=stub.url, data_api_url=stub.url + "/data", **kwargs)
    return client, slept


def test_sends_heroku_headers_and_bearer_token(stub):
    stub.queue(Reply(200, {"name": "demo"}))
    client, _ = make_client(stub)
    assert client.get("/apps/demo") == {"name": "demo"}
    seen = stub.seen[0]
    assert seen.headers["Accept"] == "application/vnd.heroku+json; version=3"
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
    assert client.api_calls == 1


def test_token_is_not_sent_to_other_hosts(stub, tmp_path):
    blob = tmp_path / "source.tar.gz"
    blob.write_bytes(b"tarball")
    stub.queue(Reply(200, None))
    client, _ = make_client(stub)
    # localhost is another host than 127.0.0.1 as far as the token is concerned
    client.upload(f"http://localhost:{stub.port}/blobs/put?sig=abc", str(blob))
    seen = stub.seen[0]
    assert seen.method == "PUT"
    assert seen.body == b"tarball"
    assert "Authorization" not in seen.headers


def test_pagination_follows_next_range_across_pages(stub):
    stub.queue(
        Reply(206, [{"id": "1"}, {"id": "2"}], {"Next-Range": "id 2..; max=2"}),
        Reply(206, [{"id": "3"}, {"id": "4"}], {"Next-Range": "id 4..; max=2"}),
        Reply(200, [{"id": "5"}]),
    )
    client, _ = make_client(stub)
    items = client.get_all("/apps/demo/releases", range_header="id ..; max=2")
    assert [i["id"] for i in items] == ["1", "2", "3", "4", "5"]
    assert [s.headers.get("Range") for s in stub.seen] == [
        "id ..; max=2",
        "id 2..; max=2",
        "id 4..; max=2",
    ]
    assert client.api_calls == 3


def test_retries_429_honouring_retry_after(stub):
    stub.queue(
        Reply(429, {"id": "rate_limit", "message": "Too many requests"}, {"Retry-After": "7"}),
        Reply(200, {"ok": True}),
    )
    client, slept = make_client(stub, rand=lambda: 0.0)
    assert client.get("/account") == {"ok": True}
    assert slept == [7.0]
    assert client.retries == 1
    assert client.api_calls == 2


def test_retries_5xx_with_full_jitter_exponential_backoff(stub):
    stub.queue(Reply(503, {"id": "unavailable", "message": "busy"}))
    stub.queue(Reply(500, {"id": "internal", "message": "oops"}))
    stub.queue(Reply(502, None))
    stub.queue(Reply(200, [{"id": "a"}]))
    client, slept = make_client(stub, rand=lambda: 0.5, backoff_base=1.0)
    assert client.get("/apps") == [{"id": "a"}]
    # half of each ceiling: 1, 2, 4 seconds
    assert slept == [0.5, 1.0, 2.0]
    assert client.retries == 3


def test_retries_a_dropped_connection(stub):
    stub.queue(Reply(drop=True), Reply(200, {"name": "demo"}))
    client, slept = make_client(stub)
    assert client.get("/apps/demo") == {"name": "demo"}
    assert len(stub.seen) == 2
    assert len(slept) == 1


def test_retries_a_read_timeout(stub):
    stub.queue(Reply(200, {"late": True}, delay=1.5), Reply(200, {"late": False}))
    client, _ = make_client(stub, timeout=0.5)
    assert client.get("/apps/demo") == {"late": False}
    assert client.retries == 1


def test_post_that_may_have_been_applied_is_looked_up_before_resending(stub):
    stub.queue(Reply(500, {"id": "internal_error", "message": "boom"}), Reply(201, {"id": "x"}))
    client, _ = make_client(stub)
    looked = []

    def recover():
        looked.append(True)
        return {"id": "already-made"}

    assert client.post("/apps/demo/domains", {"hostname": "a.example"}, recover=recover) == {
        "id": "already-made"
    }
    assert looked == [True]
    assert [s.method for s in stub.seen] == ["POST"]


def test_post_rejected_by_rate_limit_is_resent_without_lookup(stub):
    stub.queue(Reply(429, {"id": "rate_limit", "message": "slow down"}), Reply(201, {"id": "x"}))
    client, _ = make_client(stub)
    looked = []
    assert client.post("/apps", {"name": "demo"}, recover=lambda: looked.append(1)) == {"id": "x"}
    assert looked == []
    assert [s.method for s in stub.seen] == ["POST", "POST"]


def test_gives_up_within_the_bounded_wait(stub):
    stub.queue(Reply(503, {"id": "service_unavailable", "message": "maintenance"}))
    client = HerokuClient(TOKEN, api_url=stub.url, max_retry_wait=1.0, backoff_base=0.2)
    started = time.monotonic()
    with pytest.raises(HerokuError) as caught:
        client.get("/apps/demo")
    elapsed = time.monotonic() - started
    assert elapsed < 2.0
    assert client.waited <= 1.0
    message = str(caught.value)
    assert "GET /apps/demo" in message
    assert "HTTP 503 service_unavailable: maintenance" in message
    assert "gave up after" in message
    assert caught.value.attempts == len(stub.seen) > 1


def test_retry_after_beyond_the_budget_gives_up_at_once(stub):
    stub.queue(Reply(429, {"id": "rate_limit", "message": "Your account reached the API limit"},
                     {"Retry-After": "3600"}))  # fmt: skip
    client, slept = make_client(stub, max_retry_wait=30)
    with pytest.raises(HerokuError) as caught:
        client.get("/apps")
    assert slept == []
    assert caught.value.error_id == "rate_limit"
    assert len(stub.seen) == 1


def test_connection_refused_names_the_host_and_gives_up(stub):
    url = stub.url
    stub.close()
    client = HerokuClient(TOKEN, api_url=url, max_retry_wait=0.3, backoff_base=0.05)
    with pytest.raises(HerokuError) as caught:
        client.get("/apps")
    message = str(caught.value)
    assert caught.value.error_id == "connection_error"
    assert url.split("//")[1] in message
    assert "refused" in message.lower()


def test_error_names_id_message_method_path_and_request_id_never_the_token(stub):
    stub.queue(Reply(404, {"id": "not_found", "message": "Couldn't find that app."},
                     {"Request-Id": "req-42"}))  # fmt: skip
    client, slept = make_client(stub)
    with pytest.raises(HerokuError) as caught:
        client.patch("/apps/nope/config-vars", {"A": "1"})
    err = caught.value
    assert str(err) == (
        "Heroku API PATCH /apps/nope/config-vars failed: HTTP 404 not_found: "
        "Couldn't find that app. [Request-Id req-42]"
    )
    assert TOKEN not in str(err)
    assert err.to_result()["error_id"] == "not_found"
    assert slept == []  # 4xx is final


def test_missing_ok_turns_404_into_none(stub):
    stub.queue(Reply(404, {"id": "not_found", "message": "Couldn't find that app."}))
    client, _ = make_client(stub)
    assert client.get("/apps/ghost", missing_ok=True) is None


def test_slows_down_when_rate_limit_runs_low(stub):
    stub.queue(
        Reply(200, {}, {"RateLimit-Remaining": "0"}),
        Reply(200, {}, {"RateLimit-Remaining": "4000"}),
    )
    client, slept = make_client(stub)
    client.get("/account")
    assert slept == []  # nothing known yet
    client.get("/account")
    assert slept == [pytest.approx(0.8)]
    client.get("/account")
    assert slept == [pytest.approx(0.8)]  # the bucket refilled


def test_data_api_goes_to_its_own_base_url(stub):
    stub.queue(Reply(200, [{"uuid": "t1"}]))
    client, _ = make_client(stub)
    assert client.get_all("/client/v11/apps/demo/transfers", api="data") == [{"uuid": "t1"}]
    assert stub.seen[0].path == "/data/client/v11/apps/demo/transfers"
    assert stub.seen[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_json_body_is_sent(stub):
    stub.queue(Reply(200, {"A": "1"}))
    client, _ = make_client(stub)
    client.patch("/apps/demo/config-vars", {"A": "1", "B": None})
    assert json.loads(stub.seen[0].body) == {"A": "1", "B": None}


def test_lookup_before_resending_is_itself_retried_then_the_post_is_sent_again(stub):
    stub.queue(
        Reply(500, {"id": "internal_error", "message": "boom"}),  # POST: maybe applied
        Reply(503, {"id": "unavailable", "message": "busy"}),  # look-up: transient
        Reply(404, {"id": "not_found", "message": "Couldn't find that domain."}),  # not made
        Reply(201, {"hostname": "a.example"}),  # POST again
    )
    client, _ = make_client(stub)

    def recover():
        return client.get("/apps/demo/domains/a.example", missing_ok=True)

    created = client.post("/apps/demo/domains", {"hostname": "a.example"}, recover=recover)
    assert created == {"hostname": "a.example"}
    assert [s.method for s in stub.seen] == ["POST", "GET", "GET", "POST"]


def test_upload_to_the_blob_store_is_retried(stub, tmp_path):
    blob = tmp_path / "source.tar.gz"
    blob.write_bytes(b"tarball-bytes")
    stub.queue(Reply(503, None), Reply(200, None))
    client, slept = make_client(stub)
    client.upload(f"http://localhost:{stub.port}/blobs/put", str(blob))
    assert [s.body for s in stub.seen] == [b"tarball-bytes", b"tarball-bytes"]
    assert len(slept) == 1 and client.api_calls == 2


def test_retry_after_as_an_http_date_is_honoured(stub):
    from email.utils import formatdate

    stub.queue(
        Reply(503, {"id": "unavailable", "message": "busy"},
              {"Retry-After": formatdate(time.time() + 30, usegmt=True)}),
        Reply(200, {"ok": True}),
    )  # fmt: skip
    client, slept = make_client(stub, rand=lambda: 0.0)
    assert client.get("/apps") == {"ok": True}
    assert 25 < slept[0] <= 30


def test_output_stream_is_read_to_its_end(stub):
    stub.queue(Reply(200, "-----> Building\n-----> Launching\n"))
    client, _ = make_client(stub)
    text = client.read_stream(f"http://localhost:{stub.port}/streams/builds/1")
    assert "Launching" in text
    assert "Authorization" not in stub.seen[0].headers
