"""A private localcloud for one benchmark: its own home, its own ports, wiped afterwards."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import PYTHON, REPO, free_port, free_port_block

# Run in the tree's own root (python -c puts the cwd first on sys.path), so a baseline
# worktree's add-ons are dropped by that tree's localcloud code, not by this one's.
_DROP_ADDONS = """
import sys
from pathlib import Path

from localcloud import addons
from localcloud.store import Store

store = Store(Path(sys.argv[1]))
try:
    for addon in store.list("addon"):
        backing = addon.get("_backing") or {}
        if backing.get("type") in ("postgres", "postgres-cluster"):
            try:
                addons.destroy_backing(addon)
            except Exception as err:
                print(f"could not drop {backing.get('database')}: {err}")
finally:
    store.close()
"""


class PrivateCloud:
    """`python -m localcloud up` on free ports with a temporary LOCALCLOUD_HOME.

    `root` is the repository tree whose localcloud code runs (the cwd of every command):
    the benchmark's own tree, or a worktree of another commit measured beside it.
    """

    def __init__(self, root: Path = REPO) -> None:
        self.root = root
        self.home = Path(tempfile.mkdtemp(prefix="bench-localcloud-"))
        self.args = [
            "--home",
            str(self.home),
            "--api-port",
            str(free_port()),
            "--moto-port",
            str(free_port()),
            "--router-base-port",
            str(free_port_block(8)),
        ]
        self.env: dict[str, str] = {}
        self._ssl: ssl.SSLContext | None = None

    def _cli(self, *command: str, timeout: float = 120) -> str:
        out = subprocess.run(
            [PYTHON, "-m", "localcloud", *self.args, *command],
            cwd=self.root,
            env=_without_localcloud(os.environ),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(
                f"localcloud {' '.join(command)} failed ({out.returncode}): "
                f"{out.stderr.strip() or out.stdout.strip()}"
            )
        return out.stdout

    def __enter__(self) -> PrivateCloud:
        try:
            self._cli("up", "--timeout", "90")
            self.env = json.loads(self._cli("env", "--json"))
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop it and drop the databases its add-ons created on the shared PostgreSQL.

        Not `localcloud reset`: that also FLUSHes the add-ons' Redis indexes, and other
        localcloud instances on this machine may have been handed the same index.
        """
        try:
            self._cli("down", timeout=90)
        except (RuntimeError, subprocess.TimeoutExpired) as err:
            print(f"  warning: {err}")
        self._drop_postgres_addons()
        shutil.rmtree(self.home, ignore_errors=True)

    def _drop_postgres_addons(self) -> None:
        db = self.home / "state.sqlite3"
        if not db.exists():
            return
        out = subprocess.run(
            [PYTHON, "-c", _DROP_ADDONS, str(db)],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if out.returncode != 0 or out.stdout.strip():
            tail = (out.stdout + out.stderr).strip().splitlines()[-3:]
            print(f"  warning: add-on databases of {self.home} not all dropped: {' / '.join(tail)}")

    @property
    def api_url(self) -> str:
        return self.env["HEROKU_API_URL"]

    def request(self, path: str, method: str = "GET", body: dict | None = None) -> Any:
        req = urllib.request.Request(
            self.api_url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Accept": "application/vnd.heroku+json; version=3",
                "Authorization": f"Bearer {self.env['HEROKU_API_KEY']}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def stats(self) -> dict[str, Any]:
        """The request counters (not themselves counted: a control path)."""
        return self.request("/__localcloud/stats")

    def ssl_context(self) -> ssl.SSLContext:
        """Trusts this cloud's private CA: apps are served over https with its certificate.

        The benchmark's own process does not run with the cloud's SSL_CERT_FILE, so a plain
        urlopen of an app's web_url fails certificate verification (and http answers 308).
        """
        if self._ssl is None:
            bundle = self.env.get("SSL_CERT_FILE") or self.env.get("LOCALCLOUD_TLS_CERT")
            self._ssl = ssl.create_default_context(cafile=bundle)
        return self._ssl

    def get_app_json(self, url: str, timeout: float = 2) -> Any:
        """GET an app URL (https, this cloud's CA) and decode its JSON body."""
        with urllib.request.urlopen(url, timeout=timeout, context=self.ssl_context()) as resp:
            return json.loads(resp.read())

    def process_env(self) -> dict[str, str]:
        return _without_localcloud(os.environ) | self.env


# Which localcloud instance a command talks to: a shell that sourced the shared cloud's
# `localcloud env` must not point a private cloud's commands at the shared one.
_INSTANCE_VARS = {
    "LOCALCLOUD_HOME",
    "LOCALCLOUD_API_PORT",
    "LOCALCLOUD_MOTO_PORT",
    "LOCALCLOUD_ROUTER_BASE_PORT",
    "LOCALCLOUD_EDGE_PORT",
    "LOCALCLOUD_TLS_CERT",
}


def _without_localcloud(env: os._Environ[str] | dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in _INSTANCE_VARS}
