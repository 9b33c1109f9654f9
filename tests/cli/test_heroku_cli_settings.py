"""Heroku's CLI against localcloud: the commands that change an app's or the account's
settings (domains, certificates, features and labs, drains, webhooks, maintenance,
collaborators, SSH keys). They touch separate resources and make no release, so they run
three at a time on one app, which keeps the suite within minutes on a loaded machine."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.localcloud import lc_sample

pytestmark = pytest.mark.timeout(600)


def _domains(heroku, api, app: str, tmp: Path) -> None:
    host = f"www.{app}.example.com"
    assert f"Adding {host} to {app}... done" in heroku("domains:add", host, "-a", app)
    listed = heroku("domains", "-a", app)  # the CLI pages with `Range: id ..; max=200;`
    assert host in listed and f"{app}.herokuapp.com" in listed, listed
    assert f"Removing {host} from {app}... done" in heroku("domains:remove", host, "-a", app)
    assert host not in [d["hostname"] for d in api.get(f"/apps/{app}/domains").json()]


def _certs(heroku, api, app: str, tmp: Path) -> None:
    # A name the app has no domain for, so the CLI asks nothing about associating domains.
    cert, key = lc_sample.self_signed(f"secure.{app}.example.org")
    tmp.mkdir()
    (tmp / "crt.pem").write_text(cert)
    (tmp / "key.pem").write_text(key)
    out = heroku("certs:add", str(tmp / "crt.pem"), str(tmp / "key.pem"), "-a", app)
    assert f"Adding SSL certificate to {app}... done" in out, out
    assert f"Common Name(s): secure.{app}.example.org" in out, out
    assert re.search(rf"\S+-\d+\s+secure\.{app}\.example\.org", heroku("certs", "-a", app))


def _features_and_labs(heroku, api, app: str, tmp: Path) -> None:
    assert "Enabling preboot for" in heroku("features:enable", "preboot", "-a", app)
    assert re.search(r"\[\+\] preboot", heroku("features", "-a", app))
    heroku("labs:enable", "enable-metrics-api")
    assert re.search(r"\[\+\] enable-metrics-api", heroku("labs"))
    heroku("labs:disable", "enable-metrics-api", "--confirm", "enable-metrics-api")
    assert api.get("/account/features/enable-metrics-api").json()["enabled"] is False


def _drains(heroku, api, app: str, tmp: Path) -> None:
    url = f"https://logs.example.com/{app}"
    assert f"Successfully added drain {url}" in heroku("drains:add", url, "-a", app)
    assert re.search(rf"^{re.escape(url)} \(d\.", heroku("drains", "-a", app), re.M)
    assert f"Successfully removed drain {url}" in heroku("drains:remove", url, "-a", app)
    assert api.get(f"/apps/{app}/log-drains").json() == []


def _webhooks(heroku, api, app: str, tmp: Path) -> None:
    url = f"https://hooks.example.com/{app}"
    out = heroku("webhooks:add", "-i", "api:release", "-l", "notify", "-u", url, "-a", app)
    # No secret given: Heroku makes one and shows it once.
    assert re.search(r"Webhooks Signing Secret\s+[0-9a-f]{64}", out), out
    listed = heroku("webhooks", "-a", app)
    hook = re.search(rf"([0-9a-f-]{{36}})\s+{re.escape(url)}\s+api:release\s+notify", listed)
    assert hook, listed
    assert "done" in heroku("webhooks:remove", hook.group(1), "-a", app)
    assert api.get(f"/apps/{app}/webhooks").json() == []


def _maintenance(heroku, api, app: str, tmp: Path) -> None:
    assert "Enabling maintenance mode for" in heroku("maintenance:on", "-a", app)
    assert heroku("maintenance", "-a", app).strip() == "on"
    assert "Disabling maintenance mode for" in heroku("maintenance:off", "-a", app)
    assert api.get(f"/apps/{app}").json()["maintenance"] is False


def _access(heroku, api, app: str, tmp: Path) -> None:
    who = f"ops-{uuid.uuid4().hex[:6]}@example.com"
    out = heroku("access:add", who, "-a", app)
    assert f"Adding {who} access to the app {app}... done" in out, out
    listed = heroku("access", "-a", app)
    assert re.search(rf"{who}\s+collaborator", listed), listed
    assert re.search(r"developer@localcloud\.invalid\s+owner", listed), listed
    heroku("access:remove", who, "-a", app)
    assert who not in [c["user"]["email"] for c in api.get(f"/apps/{app}/collaborators").json()]


def _keys(heroku, api, app: str, tmp: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    comment = f"ops-{uuid.uuid4().hex[:6]}@laptop"
    public = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )  # fmt: skip
    tmp.mkdir()
    (tmp / "id.pub").write_text(f"{public.decode()} {comment}\n")
    assert "SSH key... done" in heroku("keys:add", str(tmp / "id.pub"))
    assert comment in heroku("keys")
    assert f"Removing {comment} SSH key... done" in heroku("keys:remove", comment)
    assert comment not in [k["comment"] for k in api.get("/account/keys").json()]


SCENARIOS = (_domains, _certs, _features_and_labs, _drains, _webhooks, _maintenance, _access,
             _keys)  # fmt: skip


@pytest.fixture(scope="module")
def app(api):
    name = f"cli-set-{uuid.uuid4().hex[:8]}"
    assert api.post("/apps", json={"name": name}).status_code == 201
    yield name
    api.delete(f"/apps/{name}")


def test_settings_commands(heroku, api, app: str, tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = {fn.__name__[1:]: pool.submit(fn, heroku, api, app, tmp_path / fn.__name__)
                for fn in SCENARIOS}  # fmt: skip
    failures = [f"{name}: {run.exception()!r}" for name, run in runs.items() if run.exception()]
    assert not failures, "\n\n".join(failures)
