"""The https URL of an app end to end: a private `localcloud up`, the app's urls from the
control endpoint, the router answering over verified TLS, and `down` then `up` keeping the
same certificate and port."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import certifi
import pytest
import requests

from tests.conftest import LocalCloud, start_localcloud, stop_localcloud

ACCEPT = "application/vnd.heroku+json; version=3"


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[LocalCloud]:
    instance = start_localcloud(tmp_path / "home")
    yield instance
    stop_localcloud(instance)


def _urls(cloud: LocalCloud, app: str) -> dict[str, str]:
    resp = requests.get(f"{cloud.api_url}/__localcloud/apps/{app}/urls", timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_app_https_url_survives_a_restart(cloud: LocalCloud) -> None:
    headers = {"Accept": ACCEPT, "Authorization": f"Bearer {cloud.api_key}"}
    name = f"tls-{uuid.uuid4().hex[:8]}"
    created = requests.post(
        f"{cloud.api_url}/apps", json={"name": name}, headers=headers, timeout=30
    )
    assert created.status_code == 201, created.text
    cert = Path(cloud.env["LOCALCLOUD_TLS_CERT"])
    assert cert == cloud.home / "tls" / "cert.pem"
    pem = cert.read_bytes()

    urls = _urls(cloud, name)
    assert urls["https"] == created.json()["web_url"]  # https, as on Heroku
    assert urls["https"].startswith("https://127.0.0.1:") and urls["https"] != urls["http"]
    assert urls["tls_cert"] == str(cert)
    # No web dyno yet: the router itself answers (H14), over TLS the client verified.
    page = requests.get(urls["https"], verify=str(cert), timeout=10)
    assert page.status_code == 503 and page.headers["Via"] == "1.1 vegur"
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(urls["https"], verify=certifi.where(), timeout=10)  # public CAs do not
    # The http port only redirects, keeping the path and query (308 keeps the method too).
    plain = requests.post(urls["http"] + "a/b?c=1", data=b"x", allow_redirects=False, timeout=10)
    assert plain.status_code == 308
    assert plain.headers["Location"] == urls["https"] + "a/b?c=1"
    # `env` names a CA bundle holding localcloud's CA, for clients that read SSL_CERT_FILE.
    bundle = Path(cloud.env["SSL_CERT_FILE"])
    assert cloud.env["REQUESTS_CA_BUNDLE"] == str(bundle)
    assert pem in bundle.read_bytes()
    assert requests.get(urls["https"], verify=str(bundle), timeout=10).status_code == 503
    logs = requests.get(f"{cloud.api_url}/__localcloud/logs/{name}", timeout=10).text
    assert "code=H14" in logs and "protocol=https" in logs

    status = json.loads(cloud.cli("status", "--json").stdout)
    assert next(a for a in status["apps"] if a["name"] == name)["https_url"] == urls["https"]
    assert urls["https"] in cloud.cli("status").stdout

    assert cloud.cli("down").returncode == 0
    assert cloud.cli("up").returncode == 0
    assert _urls(cloud, name) == urls
    assert cert.read_bytes() == pem
    again = requests.get(urls["https"], verify=str(cert), timeout=10)
    assert again.status_code == 503 and again.headers["Via"] == "1.1 vegur"
