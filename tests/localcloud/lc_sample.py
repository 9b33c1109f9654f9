"""A tiny WSGI app packaged as Heroku source tarballs, and the API steps to deploy it."""

from __future__ import annotations

import hashlib
import io
import tarfile
import time
from typing import Any

import requests

APP_PY = """
import os


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/env":
        body = "\\n".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                         if k.startswith(("HEROKU_", "GREETING", "DYNO"))).encode()
    else:
        body = f"{VERSION} {os.environ.get('GREETING', '-')} {os.environ.get('DYNO')}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""


def source_tarball(
    version: str,
    release: str | None = "python -c 'print(\"migrated\")'",
    requirements: str = "gunicorn==23.0.0\n",
    web: str = "gunicorn app:application --bind 0.0.0.0:$PORT --workers 1",
) -> bytes:
    """A gzipped tarball of the app; `release` is the Procfile's release command."""
    procfile = f"web: {web}\n"
    if release:
        procfile += f"release: {release}\n"
    files = {
        "app.py": f"VERSION = {version!r}\n" + APP_PY,
        "requirements.txt": requirements,
        ".python-version": "3.11\n",
        "Procfile": procfile,
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, text in sorted(files.items()):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def upload(api: Any, data: bytes) -> dict[str, str]:
    """POST /sources, PUT the tarball; the source_blob for a build."""
    source = api.post("/sources").json()["source_blob"]
    put = requests.put(source["put_url"], data=data, timeout=60)
    assert put.status_code == 200, put.text
    return {"url": source["get_url"], "checksum": "SHA256:" + hashlib.sha256(data).hexdigest()}


def build(api: Any, app: str, data: bytes, version: str, timeout: float = 300) -> dict[str, Any]:
    """Upload and build; wait until the build ends; return the final build."""
    blob = upload(api, data)
    resp = api.post(f"/apps/{app}/builds", json={"source_blob": {**blob, "version": version}})
    assert resp.status_code == 201, resp.text
    build_id = resp.json()["id"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = api.get(f"/apps/{app}/builds/{build_id}").json()
        if found["status"] != "pending":
            return found
        time.sleep(0.5)
    raise AssertionError("build did not finish")


def wait_release(api: Any, app: str, release_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rel = api.get(f"/apps/{app}/releases/{release_id}").json()
        if rel["status"] != "pending":
            return rel
        time.sleep(0.3)
    raise AssertionError("release did not finish")


def page(url: str, path: str = "/", timeout: float = 10) -> requests.Response:
    return requests.get(url.rstrip("/") + path, timeout=timeout)


def wait_page(url: str, expected: str, timeout: float = 90) -> str:
    """Poll the router until the page contains `expected`."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            resp = page(url)
            last = f"{resp.status_code} {resp.text[:200]}"
            if resp.status_code == 200 and expected in resp.text:
                return resp.text
        except requests.RequestException as exc:
            last = str(exc)
        time.sleep(0.3)
    raise AssertionError(f"page never showed {expected!r}; last: {last}")


def self_signed(hostname: str) -> tuple[str, str]:
    """A self-signed certificate for `hostname` and its key, both PEM (for SNI endpoints)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    start = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )  # fmt: skip
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem.decode()
