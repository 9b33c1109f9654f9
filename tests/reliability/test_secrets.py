"""Secrets never reach output, localcloud's logs or files the run wrote, even at -vvv."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.reliability.conftest import APP, REPO, DeployedApp

# A vault entry, commented out or not: `vault_name: value`.
VAULT_ENTRY = re.compile(r"^[#\s]*(vault_\w+):\s*(.*)$", re.M)
FAKE_SECRET_KEY = "fake-django-secret-7Qm2Xv9LpR4tZ8wK1nB6yH3cJ5dF0gS"
FAKE_EMAIL_PASSWORD = "fake-smtp-password-Wq8Zr2Lx5Vn7"
FAKE_SENTRY_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def files_written_since(roots: list[Path], since: float) -> list[Path]:
    found = []
    for root in roots:
        for path in root.rglob("*") if root.exists() else []:
            try:
                if path.is_file() and path.stat().st_mtime >= since:
                    found.append(path)
            except OSError:
                continue
    return found


def test_no_secret_leaks_at_maximum_verbosity(
    app: DeployedApp, changed_tree: Path, localcloud, record
) -> None:
    started = time.time()
    secrets_vars = json.dumps(
        {
            "heroku_app_secret_config_vars": {
                "SECRET_KEY": FAKE_SECRET_KEY,
                "EMAIL_HOST_PASSWORD": FAKE_EMAIL_PASSWORD,
            },
            "monitoring_sentry_dsn": f"https://{FAKE_SENTRY_KEY}@sentry.invalid/42",
        }
    )
    deploy = app.deploy(
        "-vvv", "-e", secrets_vars, "-e", f"heroku_app_source_dir={changed_tree}",
        "-e", "heroku_app_version=secrets-check",
    )  # fmt: skip
    assert deploy.rc == 0, deploy.tail()
    rollback = app.playbook("rollback.yml", "-vvv", "-e", secrets_vars)
    assert rollback.rc == 0, rollback.tail()
    backup = app.playbook("backup.yml", "-vvv")
    assert backup.rc == 0, backup.tail()

    config = app.heroku("GET", f"/apps/{APP}/config-vars")
    database_password = urlsplit(config["DATABASE_URL"]).password
    secrets = {
        "SECRET_KEY": FAKE_SECRET_KEY,
        "EMAIL_HOST_PASSWORD": FAKE_EMAIL_PASSWORD,
        "Sentry DSN key": FAKE_SENTRY_KEY,
        "HEROKU_API_KEY": app.api_key,
        "AWS_SECRET_ACCESS_KEY (the app's IAM key)": config["AWS_SECRET_ACCESS_KEY"],
        "DATABASE_URL password": database_password,
    }
    assert all(secrets.values()), "a secret to look for is empty"

    places = {
        "deploy.yml -vvv output": deploy.output,
        "rollback.yml -vvv output": rollback.output,
        "backup.yml -vvv output": backup.output,
    }
    log_files = files_written_since([Path(localcloud.home) / "logs"], started)
    log_files += [
        p for p in Path(localcloud.home).glob("*.log") if p.stat().st_mtime >= started
    ] + [p for p in Path(localcloud.home).glob("*.out") if p.stat().st_mtime >= started]
    for path in log_files:
        places[f"localcloud {path.relative_to(localcloud.home)}"] = path.read_text(errors="replace")
    # Files the runs wrote on the control host: the state dir (locks, generated values) and
    # the repository tree (apart from localcloud's own state, which is the "cloud").
    written = files_written_since([app.state_dir], started)
    written += [
        p
        for p in files_written_since([REPO], started)
        if not {".venv", ".localcloud", ".git", "__pycache__", ".pytest_cache"} & set(p.parts)
        and "artifacts" not in p.parts
    ]
    for path in written:
        try:
            places[f"file {path}"] = path.read_text(errors="replace")
        except OSError:
            continue

    leaks = [
        f"{name} in {place}"
        for place, text in places.items()
        for name, value in secrets.items()
        if value in text
    ]
    record(
        "secrets",
        "deploy, rollback and backup at -vvv with known secret values",
        "no secret in output, localcloud logs or files written",
        f"{len(secrets)} secrets searched in {len(places)} places: "
        + (f"{len(leaks)} leak(s): {leaks[:3]}" if leaks else "none found"),
        passed=not leaks,
    )
    assert not leaks, leaks
    # Leave the app as the inventory declares it.
    assert app.deploy().rc == 0


def test_committed_vault_examples_hold_placeholders(record) -> None:
    examples = sorted(REPO.glob("inventories/*/group_vars/all/vault.example.yml"))
    assert examples, "no vault examples committed"
    entries, suspicious = 0, []
    for example in examples:
        for match in VAULT_ENTRY.finditer(example.read_text()):
            entries += 1
            if "CHANGE-ME" not in match.group(2).upper():
                suspicious.append(f"{example.relative_to(REPO)}: {match.group(1)}")
    record(
        "secrets",
        "committed vault examples",
        "placeholders (CHANGE-ME) only",
        f"{len(examples)} files, {entries} vault_ entries, {len(suspicious)} not placeholders",
        passed=entries > 0 and not suspicious,
    )
    assert entries > 0, "the examples name no vault_ variable"
    assert not suspicious, suspicious
    for vault in REPO.glob("inventories/*/group_vars/all/vault.yml"):
        assert vault.read_text().startswith("$ANSIBLE_VAULT;"), f"{vault} is not encrypted"
