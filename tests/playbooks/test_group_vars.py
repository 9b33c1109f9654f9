"""The root group_vars/ reach every play deploy.yml runs (Ansible loads group_vars only beside
the inventory or the playbook, so this breaks silently when a playbook moves)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.playbooks.conftest import BIN, REPO, playbook_env, run_playbook

MARKER = "skillstream_shared_group_vars_loaded"
ASSERT_TASK = "TASK [Check that the shared group_vars are loaded]"


def test_the_marker_lives_only_in_the_root_group_vars() -> None:
    defined_in = [
        str(path.relative_to(REPO))
        for path in [*REPO.glob("group_vars/**/*.yml"), *REPO.glob("inventories/**/*.yml")]
        if f"{MARKER}:" in path.read_text()
    ]
    assert defined_in == ["group_vars/all/main.yml"]


def test_the_inventory_alone_does_not_define_it(tmp_path: Path) -> None:
    # Ad hoc from another directory only the inventory's group_vars load: the marker is
    # undefined, so what defines it in a playbook run is the root group_vars/.
    env = playbook_env(tmp_path, {"ANSIBLE_CONFIG": str(REPO / "ansible.cfg")})
    command = [str(BIN / "ansible"), "-i", str(REPO / "inventories/local/hosts.yml"), "heroku_apps"]
    proc = subprocess.run(
        [*command, "-m", "ansible.builtin.debug", "-a", f"var={MARKER}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{MARKER}' is undefined" in " ".join(proc.stdout.split())


def test_every_play_of_deploy_sees_the_root_group_vars(tmp_path: Path) -> None:
    # Only the tasks tagged `validate`/`always` run: the variable checks and, in every
    # imported play, the assertion that the root group_vars are loaded. No API is needed.
    run = run_playbook("deploy.yml", "--tags", "validate", state_dir=tmp_path)
    assert run.rc == 0, run.tail()
    plays = run.output.count("PLAY [")
    assert plays >= 5, run.output
    assert run.output.count(ASSERT_TASK) == plays, run.output
    assert "failed=0" in run.output


def test_a_playbook_run_from_playbooks_dir_sees_them_too(tmp_path: Path) -> None:
    # playbooks/group_vars links to the root group_vars, so verify.yml runs alone as well.
    run = run_playbook("playbooks/verify.yml", "--tags", "validate", state_dir=tmp_path)
    assert run.rc == 0, run.tail()
    assert ASSERT_TASK in run.output
