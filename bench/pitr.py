"""Point-in-time recovery benchmark: the recovery time (RTO) of `restore.yml -e restore_to_time`
against the size of the database, beside the backup restore path of the same run.

On a private localcloud, an app whose DATABASE is a standard-0 add-on (its own cluster with
WAL archiving) serves `/count` (rows of `items`). For each size: fill `items`, capture a
Heroku backup, note the time T, delete half the rows, then

- PITR: `restore.yml -e restore_to_time=T` (rollback database, row counts, promotion with
  its release phase, health check);
- baseline: the same damage again, then `restore.yml -e restore_source=heroku` (safety
  backup, `pg_restore` of the captured backup, health check).

RTO = from the command's start until the app's `/count` answers the count of T. Also: the
provisioning time of a standard-0 database beside an essential-0 one, which is what choosing
standard-0 for the local inventory would add to a fresh `make deploy`.

    .venv/bin/python -m bench.pitr
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime

from bench.cloud import PrivateCloud
from bench.common import BIN, REPO, Report, banner

SIZES_MB = [int(s) for s in os.environ.get("BENCH_PITR_SIZES_MB", "20,200").split(",")]
ROW_BYTES = 1000  # payload of one row; about 1.1 KB on disk with its tuple header
RTO_TARGET_SECONDS = 120.0  # the small database back within two minutes


def _psql(url: str, sql: str) -> str:
    out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                         capture_output=True, text=True, check=True, timeout=1800)  # fmt: skip
    return out.stdout.strip()


def _served_count(web_url: str) -> str | None:
    try:
        with urllib.request.urlopen(web_url + "count", timeout=10) as resp:
            return json.loads(resp.read()).get("value")
    except (OSError, ValueError):
        return None


def _restore(cloud: PrivateCloud, app: str, web_url: str, expected: str, *extra: str) -> float:
    """Seconds from the command's start until the app serves `expected` rows."""
    started = time.monotonic()
    cmd = [str(BIN / "ansible-playbook"), "restore.yml", "-i", "inventories/local",
           "-e", f"heroku_app_name={app}", "-e", f"restore_confirm={app}",
           "-e", "backups_offsite_enabled=false",
           "-e", "skillstream_local_postgres_plan=standard-0", *extra]  # fmt: skip
    env = cloud.process_env() | {"PATH": f"{BIN}:{os.environ.get('PATH', '')}"}
    run = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=3600)
    if run.returncode != 0:
        raise RuntimeError(f"restore.yml {' '.join(extra)} failed: {run.stdout[-1500:]}")
    deadline = time.monotonic() + 120
    while _served_count(web_url) != expected:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the app never served {expected} rows after the restore")
        time.sleep(0.05)
    return time.monotonic() - started


def _capture_backup(heroku, app: str) -> None:
    addon = heroku.call("GET", f"/apps/{app}/addon-attachments/DATABASE")["addon"]
    transfer = heroku.call("POST", f"/client/v11/databases/{addon['id']}/backups")
    deadline = time.monotonic() + 1800
    while not transfer.get("finished_at"):
        if time.monotonic() > deadline:
            raise RuntimeError("the Heroku backup did not finish")
        time.sleep(0.5)
        transfer = heroku.call("GET", f"/client/v11/apps/{app}/transfers/{transfer['num']}")
    if not transfer.get("succeeded"):
        raise RuntimeError("the Heroku backup failed")


def provisioning_cost(report: Report, heroku) -> None:
    """What a standard-0 database adds to a deploy: its provisioning time beside essential-0's
    (the only step of deploy.yml the plan changes), the median of three each."""
    app = f"bench-plans-{secrets.token_hex(3)}"
    heroku.call("POST", "/apps", json={"name": app})
    times: dict[str, list[float]] = {"essential-0": [], "standard-0": []}
    for _ in range(3):
        for plan, spent in times.items():
            started = time.monotonic()
            addon = heroku.call("POST", f"/apps/{app}/addons",
                                json={"plan": f"heroku-postgresql:{plan}"})  # fmt: skip
            while heroku.call("GET", f"/apps/{app}/addons/{addon['id']}")["state"] != "provisioned":
                time.sleep(0.05)
            spent.append(time.monotonic() - started)
            heroku.call("DELETE", f"/apps/{app}/addons/{addon['id']}")
    heroku.call("DELETE", f"/apps/{app}")
    for plan, spent in times.items():
        report.add(f"{plan} database provisioned (median of 3)", sorted(spent)[1], "s")


def measure(report: Report, cloud: PrivateCloud, heroku, size_mb: int) -> None:
    app = f"bench-pitr-{secrets.token_hex(3)}"
    url = heroku.create_app_with_postgres(app, plan="standard-0")
    web_url = heroku.deploy_count_app(app)
    rows = size_mb * 1024 * 1024 // 1100
    payload = f"repeat(md5(g::text), {ROW_BYTES // 32})"
    began = time.monotonic()
    fill = f"INSERT INTO items SELECT g, {payload} FROM generate_series(1, {rows}) g"
    _psql(url, f"CREATE TABLE items (id int PRIMARY KEY, body text); {fill}")
    size = int(_psql(url, "SELECT pg_database_size(current_database())"))
    print(f"  {size_mb} MB: {rows} rows, database {size / 2**20:.0f} MB "
          f"(filled in {time.monotonic() - began:.0f} s)", flush=True)  # fmt: skip
    _capture_backup(heroku, app)
    time.sleep(1.5)
    moment = datetime.now(UTC).isoformat()
    time.sleep(1.5)
    _psql(url, f"DELETE FROM items WHERE id > {rows // 2}")
    pitr = _restore(cloud, app, web_url, str(rows), "-e", f"restore_to_time='{moment}'")
    new_url = heroku.call("GET", f"/apps/{app}/config-vars")["DATABASE_URL"]
    _psql(new_url, f"DELETE FROM items WHERE id > {rows // 2}")
    baseline = _restore(
        cloud, app, web_url, str(rows), "-e", "restore_source=heroku", "-e", "restore_backup=b001"
    )
    limit = RTO_TARGET_SECONDS if size_mb == min(SIZES_MB) else None
    report.add(f"PITR RTO, {size_mb} MB database", pitr, "s", "<=" if limit else None, limit)
    report.add(f"backup restore RTO, {size_mb} MB database (baseline)", baseline, "s")
    report.details[f"{size_mb}MB"] = {"rows": rows, "database_bytes": size, "pitr_seconds": pitr,
                                      "backup_restore_seconds": baseline}  # fmt: skip


def main() -> int:
    sys.path.insert(0, str(REPO))
    from tests.ops.heroku_helpers import Heroku

    banner("pitr: restore.yml -e restore_to_time (rollback database) against a backup restore")
    report = Report("pitr")
    try:
        with PrivateCloud() as cloud:
            os.environ.update(cloud.env)  # its CA bundle: the apps' URLs may be https
            heroku = Heroku(cloud.env["HEROKU_API_URL"], cloud.env["HEROKU_API_KEY"])
            provisioning_cost(report, heroku)
            for size_mb in SIZES_MB:
                measure(report, cloud, heroku, size_mb)
    except Exception as exc:
        report.error(f"{type(exc).__name__}: {exc}")
    report.write()
    print(report.summary())
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
