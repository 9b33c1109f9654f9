"""Heroku's own CLI (npm `heroku`, pinned in tools/node) pointed at the session's localcloud,
and one app for the module, deployed once."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, HerokuSession
from tests.localcloud import lc_sample

HEROKU = REPO / "tools" / "node" / "node_modules" / ".bin" / "heroku"
TIMEOUT = 180  # seconds for one command on a loaded machine
WSGIREF = (
    "python -c 'import os, app; from wsgiref.simple_server import make_server; "
    'make_server("0.0.0.0", int(os.environ["PORT"]), app.application).serve_forever()\''
)


def cli_env(localcloud: Any, home: Path) -> dict[str, str]:
    """How an operator points the CLI at localcloud: HEROKU_HOST (the Platform API; the CLI
    takes http://127.0.0.1:<port> as a custom host), HEROKU_DATA_HOST (the Postgres data API,
    reached on the same scheme and port), HEROKU_API_KEY, and the CA for `run`'s TLS."""
    return {
        **os.environ,
        **localcloud.env,
        "HEROKU_HOST": localcloud.api_url,
        "HEROKU_DATA_HOST": "127.0.0.1",
        # The CLI also reads the account from Heroku's Particleboard service (delinquency
        # notices); localcloud answers that /account on its API too.
        "HEROKU_PARTICLEBOARD_URL": localcloud.api_url,
        "HOME": str(home),  # a clean CLI config and cache, no stored login
        "DISABLE_TELEMETRY": "true",  # no reports to Heroku from a test (no network here)
        "HEROKU_SKIP_ANALYTICS": "1",
        "HEROKU_DISABLE_AUTOUPDATE": "1",  # no background `heroku update` left running
        "HEROKU_SKIP_NEW_VERSION_CHECK": "true",
        "NO_COLOR": "1",
        "COLUMNS": "200",  # tables not cut to the terminal width
    }


class Cli:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(self, *args: str, ok: bool = True, stdin: str | None = None) -> str:
        """Run `heroku <args>`; with `ok`, fail unless it exits 0. Returns stdout + stderr."""
        proc = self.run(*args, stdin=stdin)
        out = proc.stdout + proc.stderr
        if ok:
            assert proc.returncode == 0, f"heroku {' '.join(args)} exited {proc.returncode}:\n{out}"
        return out

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(HEROKU), *args], env=self.env, text=True, capture_output=True,
            input=stdin if stdin is not None else "", timeout=TIMEOUT,
        )  # fmt: skip

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [str(HEROKU), *args], env=self.env, text=True, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip


@pytest.fixture(scope="module")
def heroku(localcloud, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    if not HEROKU.exists():
        pytest.fail(f"{HEROKU} is missing: run `make setup` (npm ci --prefix tools/node)")
    return Cli(cli_env(localcloud, tmp_path_factory.mktemp("cli-home")))


@pytest.fixture(scope="module")
def api(localcloud) -> HerokuSession:
    return HerokuSession(localcloud.api_url, localcloud.api_key)


@pytest.fixture(scope="module")
def deployed(heroku: Cli, api: HerokuSession) -> Iterator[str]:
    """An app created with the CLI and deployed once (a running web process), by name."""
    name = f"cli-{uuid.uuid4().hex[:8]}"
    heroku("apps:create", name)
    # The standard library's WSGI server: a build with nothing to install is quick.
    source = lc_sample.source_tarball("v1", release=None, requirements="", web=WSGIREF)
    build = lc_sample.build(api, name, source, "v1")
    assert build["status"] == "succeeded", build
    lc_sample.wait_release(api, name, build["release"]["id"])
    yield name
    heroku("apps:destroy", name, "--confirm", name, ok=False)
