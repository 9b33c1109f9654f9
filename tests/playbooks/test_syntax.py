"""Every playbook of the repository passes `ansible-playbook --syntax-check`, and the
inventories of every environment parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.playbooks.conftest import REPO, run_playbook


def _is_playbook(path: Path) -> bool:
    text = path.read_text()
    return "hosts:" in text or "import_playbook" in text


PLAYBOOKS = sorted(
    str(path.relative_to(REPO))
    for path in [*REPO.glob("*.yml"), *(REPO / "playbooks").glob("*.yml")]
    if _is_playbook(path)
)


def test_the_user_facing_playbooks_are_there() -> None:
    assert {"deploy.yml", "rollback.yml", "playbooks/verify.yml"} <= set(PLAYBOOKS)


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_syntax_check(playbook: str, tmp_path: Path) -> None:
    run = run_playbook("--syntax-check", playbook, state_dir=tmp_path)
    assert run.rc == 0, f"{playbook}:\n{run.tail()}"


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_deploy_and_rollback_parse_with_every_inventory(environment: str, tmp_path: Path) -> None:
    inventory = f"inventories/{environment}"
    for playbook in ("deploy.yml", "rollback.yml"):
        run = run_playbook("--syntax-check", "-i", inventory, playbook, state_dir=tmp_path)
        assert run.rc == 0, f"{playbook} -i {inventory}:\n{run.tail()}"
        assert (
            f"skillstream-{environment}"
            in run_playbook("--list-hosts", "-i", inventory, playbook, state_dir=tmp_path).output
        )
