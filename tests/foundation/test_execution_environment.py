"""The execution environment runs the same toolchain the repository tests with."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def locked() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements-dev.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[name.lower()] = version
    return pins


def test_ee_pins_the_tested_ansible_core_and_libraries() -> None:
    ee = yaml.safe_load((REPO / "execution-environment.yml").read_text())
    core = ee["dependencies"]["ansible_core"]["package_pip"]
    assert core == f"ansible-core=={locked()['ansible-core']}"
    python_reqs = (REPO / ee["dependencies"]["python"]).read_text().splitlines()
    pins = dict(re.match(r"([\w.-]+)==(\S+)", r).groups() for r in python_reqs if "==" in r)
    drift = {name: (v, locked().get(name)) for name, v in pins.items() if locked().get(name) != v}
    assert not drift, f"ee/requirements.txt differs from requirements-dev.txt: {drift}"
    assert ee["dependencies"]["galaxy"] == "requirements.yml"


def test_ansible_builder_creates_the_build_context(tmp_path: Path) -> None:
    subprocess.run(
        [
            REPO / ".venv/bin/ansible-builder",
            "create",
            "--file",
            "execution-environment.yml",
            "--context",
            tmp_path,
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    containerfile = (tmp_path / "Dockerfile").read_text()
    assert f"ansible-core=={locked()['ansible-core']}" in containerfile
    assert (tmp_path / "_build" / "requirements.yml").exists()
