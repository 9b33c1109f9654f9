"""The collection documents itself: ansible-doc renders every module; ansible-test sanity passes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from .playbook import BIN, REPO, ansible_env

COLLECTION = REPO / "collections" / "ansible_collections" / "skillstream" / "heroku"
MODULES = sorted(p.stem for p in (COLLECTION / "plugins" / "modules").glob("*.py"))
# The modules that work on the control host or the app only, not on the Heroku API: no
# auth options, and not in the action group skillstream.heroku.heroku.
LOCAL_MODULES = ["deploy_lock", "health_check", "smoke_test", "source_facts"]
# The sanity tests that run offline without Docker. Not run: pslint and shellcheck (no
# PowerShell or shell code in the collection), changelog (no changelog fragments).
SANITY_TESTS = [
    "action-plugin-docs", "ansible-doc", "compile", "empty-init", "ignores", "import",
    "line-endings", "no-assert", "no-get-exception", "no-illegal-filenames", "no-smart-quotes",
    "pep8", "pylint", "replace-urlopen", "runtime-metadata", "shebang", "symlinks",
    "use-argspec-type-path", "use-compat-six", "validate-modules", "yamllint",
]  # fmt: skip


def test_the_collection_has_the_modules_the_contract_names():
    contract = ["addon", "app", "app_info", "build", "config_vars", "deploy_lock", "domain",
                "feature", "formation", "health_check", "log_drain", "pg_backups", "pg_promote",
                "pg_rollback", "pipeline", "pipeline_coupling", "pipeline_promotion", "release",
                "smoke_test", "source_facts", "webhook"]  # fmt: skip
    assert contract == MODULES


def test_ansible_doc_lists_and_renders_every_module(tmp_path):
    env = ansible_env()
    listed = subprocess.run(
        [str(BIN / "ansible-doc"), "-l", "skillstream.heroku"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    assert sorted(re.findall(r"^skillstream\.heroku\.(\w+)", listed, re.M)) == MODULES
    proc = subprocess.run(
        [str(BIN / "ansible-doc"), *(f"skillstream.heroku.{m}" for m in MODULES)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "ERROR" not in proc.stderr
    for module in MODULES:
        assert f"skillstream.heroku.{module}" in proc.stdout
    # the shared options come from the doc fragment, in every module that calls the API
    assert proc.stdout.count("HEROKU_API_KEY") == len(MODULES) - len(LOCAL_MODULES)
    assert proc.stdout.count("EXAMPLES") == len(MODULES)
    assert proc.stdout.count("RETURN VALUES") == len(MODULES)


def ansible_test_pip_version() -> str:
    source = (BIN.parent / "lib").glob("python3*/site-packages/ansible_test/_internal/"
                                       "python_requirements.py")  # fmt: skip
    text = next(source).read_text()
    return re.search(r"pip='([\d.]+)'", text).group(1)


def offline_pip_bootstrap() -> None:
    """ansible-test fetches get-pip.py from ci-files.testing.ansible.com; offline we give it
    an equivalent (ensurepip, then pip from the configured index) where it looks first."""
    version = ansible_test_pip_version().replace(".", "_")
    cache = Path(os.path.expanduser("~/.ansible/test/cache"))
    target = cache / f"get_pip_{version}.py"
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(__file__).parent / "support" / "get_pip_offline.py", target)


@pytest.mark.slow
def test_ansible_test_sanity_passes():
    offline_pip_bootstrap()
    argv = [str(BIN / "ansible-test"), "sanity", "--python", "3.11", "--color", "no"]
    for name in SANITY_TESTS:
        argv += ["--test", name]
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    proc = subprocess.run(
        argv, cwd=COLLECTION, env=env, capture_output=True, text=True, timeout=900
    )  # fmt: skip
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report[-6000:]
    for name in SANITY_TESTS:
        assert f'Running sanity test "{name}"' in report


def test_only_the_modules_that_call_the_api_are_in_its_action_group():
    runtime = yaml.safe_load((COLLECTION / "meta" / "runtime.yml").read_text())
    group = runtime["action_groups"]["heroku"]
    assert sorted(group) == sorted(set(MODULES) - set(LOCAL_MODULES))
