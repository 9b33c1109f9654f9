"""A private localcloud for one benchmark: its own home, its own ports, wiped afterwards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import PYTHON, REPO, free_port, free_port_block


class PrivateCloud:
    """`python -m localcloud up` on free ports with a temporary LOCALCLOUD_HOME."""

    def __init__(self) -> None:
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

    def _cli(self, *command: str, timeout: float = 120) -> str:
        out = subprocess.run(
            [PYTHON, "-m", "localcloud", *self.args, *command],
            cwd=REPO,
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
        from localcloud import addons
        from localcloud.store import Store

        db = self.home / "state.sqlite3"
        if not db.exists():
            return
        store = Store(db)
        try:
            for addon in store.list("addon"):
                backing = addon.get("_backing") or {}
                if backing.get("type") in ("postgres", "postgres-cluster"):
                    try:
                        addons.destroy_backing(addon)
                    except Exception as err:
                        print(f"  warning: could not drop {backing.get('database')}: {err}")
        finally:
            store.close()

    @property
    def api_url(self) -> str:
        return self.env["HEROKU_API_URL"]

    def request(self, path: str) -> Any:
        req = urllib.request.Request(
            self.api_url + path,
            headers={
                "Accept": "application/vnd.heroku+json; version=3",
                "Authorization": f"Bearer {self.env['HEROKU_API_KEY']}",
            },
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def stats(self) -> dict[str, Any]:
        """The request counters (not themselves counted: a control path)."""
        return self.request("/__localcloud/stats")

    def process_env(self) -> dict[str, str]:
        return os.environ | self.env
