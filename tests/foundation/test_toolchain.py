"""The foundation promises: pinned collections match the bundled ones, setup is idempotent."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"


def installed_collections() -> dict[str, str]:
    out = subprocess.run(
        [VENV_BIN / "ansible-galaxy", "collection", "list", "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found: dict[str, str] = {}
    for collections in json.loads(out).values():
        for name, info in collections.items():
            found.setdefault(name, info["version"])
    return found


def test_requirements_yml_pins_the_bundled_collection_versions() -> None:
    pinned = yaml.safe_load((REPO / "requirements.yml").read_text())["collections"]
    bundled = installed_collections()
    for entry in pinned:
        assert entry["name"] in bundled, f"{entry['name']} is not installed"
        assert bundled[entry["name"]] == entry["version"], entry["name"]


def test_galaxy_install_is_a_no_op_offline() -> None:
    result = subprocess.run(
        [VENV_BIN / "ansible-galaxy", "collection", "install", "-r", "requirements.yml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Nothing to do" in result.stdout


def test_second_make_setup_installs_nothing() -> None:
    first = subprocess.run(["make", "setup"], cwd=REPO, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    second = subprocess.run(["make", "-n", "setup"], cwd=REPO, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    # With the stamp in place, make plans no pip install at all (only the service check).
    assert "pip install" not in second.stdout
    assert "ensure-services.sh" in second.stdout


def test_operator_lock_pins_every_package() -> None:
    lines = [
        line
        for line in (REPO / "requirements-dev.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines
    unpinned = [line for line in lines if "==" not in line]
    assert not unpinned, unpinned
