"""A test run killed outright (SIGKILL: no teardown, no atexit) leaves nothing running: its
localcloud notices its owner is gone, stops its dynos and add-on servers and wipes itself."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO

PROBE = """
import json, os, time
from pathlib import Path
from tests.conftest import start_localcloud
from tests.localcloud.test_redis_addons import redis_addon


def test_probe():
    cloud = start_localcloud(Path(os.environ["PROBE_HOME"]))
    url = redis_addon(cloud, "left-behind")
    pid = int((cloud.home / "localcloud.pid").read_text().split()[0])
    Path(os.environ["PROBE_OUT"]).write_text(json.dumps(
        {"pid": pid, "home": str(cloud.home), "redis_port": int(url.rsplit(":", 1)[1]),
         "api_url": cloud.api_url}))
    time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(check, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return check()


def test_a_killed_test_run_leaves_no_localcloud_behind(tmp_path: Path) -> None:
    (tmp_path / "test_probe.py").write_text(PROBE)
    out = tmp_path / "probe.json"
    env = {**os.environ, "PYTHONPATH": str(REPO), "PROBE_HOME": str(tmp_path / "home"),
           "PROBE_OUT": str(out)}  # fmt: skip
    log = (tmp_path / "probe.log").open("w")
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         str(tmp_path / "test_probe.py")],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        up = wait_until(out.exists, 180)
        assert up, (
            f"the probe run never brought its localcloud up: {(tmp_path / 'probe.log').read_text()}"
        )
        probe = json.loads(out.read_text())
        assert alive(probe["pid"]) and listening(probe["redis_port"])
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    # Nothing is left past a short grace: the daemon, its add-on server, its home.
    assert wait_until(lambda: not alive(probe["pid"]), 60), "localcloud outlived its test run"
    assert not listening(probe["redis_port"]), "a Redis add-on server outlived its localcloud"
    assert wait_until(lambda: not Path(probe["home"]).exists(), 30), "the home was not wiped"
