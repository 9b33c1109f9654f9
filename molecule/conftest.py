"""What the scenarios' testinfra verifiers share: the localcloud they run against, its Heroku
API, AWS (moto) clients, and the scenario's own names from its vars/main.yml.

Molecule runs `pytest` in the scenario's directory with the provisioner's env; the localcloud
is the one that env names (HEROKU_API_URL, AWS_ENDPOINT_URL, ...), else the default one, as
the scenarios' vars/main.yml find it (`python -m localcloud env --json`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests
import yaml

TIMEOUT = 30  # seconds for one HTTP request on a loaded machine


def _localcloud_env() -> dict[str, str]:
    """The environment's localcloud variables, completed from the default localcloud's."""
    env = dict(os.environ)
    if not env.get("HEROKU_API_KEY") or not env.get("LOCALCLOUD_HOME"):
        project = env.get("MOLECULE_PROJECT_DIRECTORY", str(Path(__file__).resolve().parents[1]))
        exported = subprocess.run(
            [sys.executable, "-m", "localcloud", "env", "--json"],
            cwd=project, capture_output=True, text=True, check=True, timeout=120,
        ).stdout  # fmt: skip
        env = {**json.loads(exported), **{k: v for k, v in env.items() if v}}
    return env


@pytest.fixture(scope="session")
def cloud() -> dict[str, str]:
    return _localcloud_env()


@pytest.fixture(scope="session")
def scenario() -> dict[str, Any]:
    """The scenario's vars/main.yml as written (plain names only: templates stay unrendered)."""
    directory = Path(os.environ.get("MOLECULE_SCENARIO_DIRECTORY", Path.cwd()))
    return yaml.safe_load((directory / "vars" / "main.yml").read_text())


class HerokuApi:
    """Reads of the Heroku Platform API (and its data API), failing loudly on any error."""

    def __init__(self, env: dict[str, str]) -> None:
        self.url = env["HEROKU_API_URL"].rstrip("/")
        self.data_url = env.get("HEROKU_DATA_API_URL", self.url).rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Accept": "application/vnd.heroku+json; version=3",
                "Authorization": f"Bearer {env['HEROKU_API_KEY']}",
            }
        )

    def get(self, path: str) -> Any:
        return self._get(f"{self.url}{path}")

    def data(self, path: str) -> Any:
        return self._get(f"{self.data_url}/client/v11{path}")

    def _get(self, url: str) -> Any:
        resp = self.session.get(url, timeout=TIMEOUT)
        assert resp.status_code == 200, f"GET {url}: {resp.status_code} {resp.text[:300]}"
        return resp.json()

    def current_release(self, app: str) -> dict[str, Any]:
        releases = [r for r in self.get(f"/apps/{app}/releases") if r.get("current")]
        assert len(releases) == 1, f"{app} has {len(releases)} current releases"
        return releases[0]

    def config_vars(self, app: str) -> dict[str, str]:
        return self.get(f"/apps/{app}/config-vars")


@pytest.fixture(scope="session")
def heroku(cloud: dict[str, str]) -> HerokuApi:
    return HerokuApi(cloud)


@pytest.fixture(scope="session")
def aws(cloud: dict[str, str]) -> Callable[[str], Any]:
    """`aws("s3")`: a boto3 client of localcloud's moto."""

    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=cloud["AWS_ENDPOINT_URL"],
            region_name=cloud.get("AWS_DEFAULT_REGION", "us-east-1"),
            aws_access_key_id=cloud.get("AWS_ACCESS_KEY_ID", "testing"),
            aws_secret_access_key=cloud.get("AWS_SECRET_ACCESS_KEY", "testing"),
        )

    return client


@pytest.fixture
def listening(host: Any) -> Callable[[str], bool]:
    """`listening(url)`: whether a socket on this host listens on the port a URL names (ss)."""

    def check(url: str) -> bool:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme in ("https", "rediss") else 80)
        # Its own address or all of them (testinfra 10's is_listening misses a 0.0.0.0
        # listener when asked about 127.0.0.1, so both are asked).
        return any(
            host.socket(f"tcp://{address}:{port}").is_listening
            for address in (parts.hostname, "0.0.0.0")  # noqa: S104
        )

    return check
