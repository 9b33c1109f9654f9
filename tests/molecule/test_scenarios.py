"""Runs every Molecule scenario (converge, idempotence, verify) against a private localcloud."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(
    path.parent.name
    for path in (REPO / "molecule").glob("*/molecule.yml")
    if path.parent.name != "e2e"  # e2e has its own entry in tests/e2e
)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenario(scenario: str, localcloud) -> None:
    env = {**os.environ, **localcloud.env}
    env["PATH"] = f"{REPO / '.venv' / 'bin'}:{env['PATH']}"
    result = subprocess.run(
        [REPO / ".venv" / "bin" / "molecule", "test", "-s", scenario],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]


def test_every_role_has_a_scenario() -> None:
    roles = sorted(p.name for p in (REPO / "roles").iterdir() if (p / "tasks").is_dir())
    missing = [role for role in roles if role not in SCENARIOS]
    assert not missing, f"roles without a Molecule scenario: {missing}"
