"""Log drains receive logplex-framed lines; webhooks receive signed release events;
dyno metadata reaches the dynos; maintenance mode makes the router answer 503; ACM issues."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import lc_sample as sample
import pytest
import requests
from conftest import wait_for


class Sink:
    """A local HTTP endpoint recording what is POSTed to it."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def sink():
    s = Sink()
    yield s
    s.close()


def test_log_drain_receives_logplex_lines(api, app, sink) -> None:
    drain = api.post(f"/apps/{app['name']}/log-drains", json={"url": sink.url}).json()
    api.patch(f"/apps/{app['name']}/config-vars", json={"DRAINED": "yes"})
    wait_for(lambda: any(b"Set DRAINED config vars" in body for _, body in sink.received))
    headers, body = next((h, b) for h, b in sink.received if b"DRAINED" in b)
    assert headers["Content-Type"] == "application/logplex-1"
    assert int(headers["Logplex-Msg-Count"]) >= 1
    assert body.split(b" ", 1)[0].isdigit()  # octet-counted framing
    api.delete(f"/apps/{app['name']}/log-drains/{drain['id']}")


def test_release_webhook_is_signed(api, app, sink) -> None:
    secret = "webhook-secret"
    api.post(f"/apps/{app['name']}/webhooks", json={
        "url": sink.url, "include": ["api:release"], "level": "notify", "secret": secret,
    })  # fmt: skip
    release = api.patch(f"/apps/{app['name']}/config-vars", json={"HOOKED": "1"})
    assert release.status_code == 200
    wait_for(lambda: len(sink.received) >= 2)  # create, then update when it succeeded
    for headers, body in sink.received:
        expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
        assert headers["Heroku-Webhook-Hmac-SHA256"] == expected.decode()
    payloads = [json.loads(body) for _, body in sink.received]
    assert {p["action"] for p in payloads} == {"create", "update"}
    assert all(p["resource"] == "release" for p in payloads)
    assert payloads[-1]["data"]["description"] == "Set HOOKED config vars"
    path = f"/apps/{app['name']}/webhook-deliveries"
    wait_for(lambda: [d["status"] for d in api.get(path).json()] == ["succeeded"] * 2)


def test_dyno_metadata_and_maintenance_mode(api, app) -> None:
    name = app["name"]
    api.patch(f"/apps/{name}/features/runtime-dyno-metadata", json={"enabled": True})
    build = sample.build(api, name, sample.source_tarball("m", release=None), "cafe1234")
    assert build["status"] == "succeeded"
    sample.wait_page(app["web_url"], "m ")
    release = api.get(f"/apps/{name}/releases/{build['release']['id']}").json()
    env = dict(line.split("=", 1) for line in sample.page(app["web_url"], "/env").text.splitlines())
    assert env["HEROKU_APP_NAME"] == name
    assert env["HEROKU_APP_ID"] == app["id"]
    assert env["HEROKU_RELEASE_VERSION"] == f"v{release['version']}"
    assert env["HEROKU_RELEASE_CREATED_AT"] == release["created_at"]
    assert env["HEROKU_SLUG_COMMIT"] == "cafe1234"
    assert env["DYNO"] == "web.1"
    assert env["HEROKU_DYNO_ID"] == api.get(f"/apps/{name}/dynos/web.1").json()["id"]
    api.patch(f"/apps/{app['name']}", json={"maintenance": True})
    assert requests.get(app["web_url"], timeout=10).status_code == 503
    api.patch(f"/apps/{app['name']}", json={"maintenance": False})
    sample.wait_page(app["web_url"], "m ")


def test_acm_issues_certificates_for_custom_domains(api, app) -> None:
    name = app["name"]
    assert api.post(f"/apps/{name}/acm").json()["acm"] is True
    domain = api.post(f"/apps/{name}/domains", json={"hostname": f"www.{name}.example.org"}).json()
    assert domain["acm_status"] == "pending"
    assert domain["cname"].endswith(".herokudns.com")
    wait_for(lambda: api.get(f"/apps/{name}/domains/{domain['id']}").json()["acm_status"]
             == "cert issued", timeout=15)  # fmt: skip
    kinds = {d["hostname"]: d["kind"] for d in api.get(f"/apps/{name}/domains").json()}
    assert kinds == {f"{name}.herokuapp.com": "heroku", f"www.{name}.example.org": "custom"}
