"""The e2e Molecule scenario on a fresh localcloud of its own."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import start_localcloud, stop_localcloud

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_e2e_scenario(tmp_path: Path) -> None:
    cloud = start_localcloud(tmp_path / "localcloud")
    try:
        env = {**os.environ, **cloud.env, "PATH": f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}"}
        started = time.monotonic()
        result = subprocess.run(
            [REPO / ".venv" / "bin" / "molecule", "test", "-s", "e2e"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=2400,
        )  # fmt: skip
        output = result.stdout + result.stderr
        counts = [line.strip() for line in output.splitlines() if "requests during" in line]
        print(f"e2e wall time: {time.monotonic() - started:.0f} s; {' '.join(counts)}")
        assert result.returncode == 0, output[-8000:]
    finally:
        stop_localcloud(cloud)
