"""Fixtures for the media roles: real ansible-playbook runs against a real moto server."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
ADMIN = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
REGION = "us-east-1"


@dataclass
class Run:
    returncode: int
    output: str
    changed: int
    facts: dict

    def ok(self) -> Run:
        assert self.returncode == 0, self.output[-5000:]
        return self


def _changed(output: str) -> int:
    match = re.search(r"localhost\s+:\s+ok=\d+\s+changed=(\d+)", output)
    return int(match.group(1)) if match else -1


def run_playbook(
    endpoint: str,
    playbook: str,
    extra_vars: dict,
    tmp_path: Path,
    *args: str,
    env: dict | None = None,
) -> Run:
    """Run one of tests/aws/playbooks through ansible-playbook, as an operator would."""
    facts_file = tmp_path / f"facts-{uuid.uuid4().hex}.json"
    variables = {"media_facts_file": str(facts_file), **extra_vars}
    run_env = {
        **os.environ,
        **ADMIN,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
        "ANSIBLE_COLLECTIONS_PATH": str(REPO / "collections"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        **(env or {}),
    }
    proc = subprocess.run(
        [BIN / "ansible-playbook", "-i", "localhost,", str(PLAYBOOKS / playbook),
         "-e", json.dumps(variables), *args],
        cwd=REPO, env=run_env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    facts = json.loads(facts_file.read_text()) if facts_file.exists() else {}
    return Run(proc.returncode, output, _changed(output), facts)


def media_vars(name: str, **overrides: object) -> dict:
    """Variables of one isolated media stack (own bucket, user, parameter, distribution)."""
    return {
        "skillstream_env": "local",
        "skillstream_app_origins": ["http://127.0.0.1:4600", "http://localhost:4600"],
        "s3_media_bucket_name": f"{name}-media",
        "s3_media_iam_user_name": f"{name}-media",
        "s3_media_access_key_parameter": f"/{name}/s3-media/access-key",
        "cloudfront_oac_name": f"{name}-media",
        "cloudfront_distribution_name": f"{name}-media",
        **overrides,
    }


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def client(service: str, endpoint: str, **creds: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=creds.get("key_id", ADMIN["AWS_ACCESS_KEY_ID"]),
        aws_secret_access_key=creds.get("secret", ADMIN["AWS_SECRET_ACCESS_KEY"]),
    )


@pytest.fixture(scope="session")
def aws_endpoint(localcloud) -> str:
    """localcloud's moto: the AWS the roles meet on the local inventory."""
    return localcloud.aws_endpoint


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def enforcing_moto() -> Iterator[str]:
    """A moto server of its own whose IAM enforcement the test switches on.

    Enforcement is process-wide in moto, so it must not share a process with the
    session's moto: this one runs as its own `moto_server` process.
    """
    port = _free_port()
    proc = subprocess.Popen(
        [BIN / "moto_server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{endpoint}/moto-api/data.json", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=10)
