"""Shared fixtures: a private localcloud for the whole test session (free ports, temp home)."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    # `.venv/bin/pytest` does not put the repo root on sys.path; the `localcloud` package (and
    # not the tests/localcloud directory) must be what `import localcloud` finds.
    sys.path.insert(0, str(REPO))
if str(REPO / "collections") not in sys.path:
    # Tests of every suite read the collections' module_utils (backup layout, client, ...).
    sys.path.insert(0, str(REPO / "collections"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _free_block(size: int = 80) -> int:
    """A base port with `size` free ports above it (each app router takes two: http and https),
    below the kernel's ephemeral range, so that ports other processes pick do not land there."""
    rng = random.Random()
    for _ in range(100):
        base = rng.randrange(20000, 32000 - size)
        ok = True
        for port in range(base, base + size):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free block of ports")


class HerokuSession(requests.Session):
    """A requests session with Heroku's headers; paths starting with / go to `base`."""

    ACCEPT = "application/vnd.heroku+json; version=3"

    def __init__(self, base: str, key: str) -> None:
        super().__init__()
        self.base = base
        self.headers.update({"Accept": self.ACCEPT, "Authorization": f"Bearer {key}"})

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        if url.startswith("/"):
            url = self.base + url
        kwargs.setdefault("timeout", 60)
        return super().request(method, url, *args, **kwargs)


def moto_client(service: str, endpoint: str, **kwargs: Any) -> Any:
    """A boto3 client for localcloud's moto (or its fault proxy) with moto's test credentials."""
    import boto3

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        **kwargs,
    )


@dataclass
class LocalCloud:
    home: Path
    api_url: str
    api_key: str
    aws_endpoint: str
    env: dict[str, str] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)

    def cli(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run `python -m localcloud <command>` against this instance."""
        return subprocess.run(
            [sys.executable, "-m", "localcloud", *self.args, *command],
            cwd=REPO, capture_output=True, text=True, check=check, timeout=120,
        )  # fmt: skip


def start_localcloud(home: Path) -> LocalCloud:
    args = [
        "--home", str(home),
        "--api-port", str(_free_port()),
        "--moto-port", str(_free_port()),
        "--router-base-port", str(_free_block()),
    ]  # fmt: skip
    # The instance goes (wiped) with this test process, even when the run is killed outright.
    owned = {**os.environ, "LOCALCLOUD_EXIT_WITH": str(os.getpid())}
    proc = subprocess.run(
        [sys.executable, "-m", "localcloud", *args, "up"],
        cwd=REPO, capture_output=True, text=True, timeout=120, env=owned,
    )  # fmt: skip
    if proc.returncode != 0:
        log = (home / "localcloud.log").read_text() if (home / "localcloud.log").exists() else ""
        raise RuntimeError(f"localcloud up failed: {proc.stdout}{proc.stderr}\n{log[-3000:]}")
    env = json.loads(
        subprocess.run(
            [sys.executable, "-m", "localcloud", *args, "env", "--json"],
            cwd=REPO, capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    return LocalCloud(
        home=home,
        api_url=env["HEROKU_API_URL"],
        api_key=env["HEROKU_API_KEY"],
        aws_endpoint=env["AWS_ENDPOINT_URL"],
        env=env,
        args=args,
    )


def stop_localcloud(cloud: LocalCloud) -> None:
    """`down`, then drop the add-on databases this instance made (`reset`)."""
    cloud.cli("reset", check=False)


@pytest.fixture(scope="session")
def localcloud(tmp_path_factory: pytest.TempPathFactory):
    """A private localcloud for the test session; its env is also exported for subprocesses."""
    cloud = start_localcloud(tmp_path_factory.mktemp("localcloud"))
    saved = {k: os.environ.get(k) for k in cloud.env}
    os.environ.update(cloud.env)
    try:
        yield cloud
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        stop_localcloud(cloud)
