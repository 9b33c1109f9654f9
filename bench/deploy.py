"""Deploy benchmark: first, no-op and code-change deploys and a rollback against localcloud.

Every phase runs the repository's own `deploy.yml` / `rollback.yml` with the local
inventory against a private localcloud (own home, own ports). Measured: wall time of the
command, Heroku API requests it made (localcloud's counters, as a delta), and per-task
time (ansible.posix.json callback), plotted to bench/results/deploy-tasks.png.
The code change is made in a copy of skillstream/, never in the real tree.

    .venv/bin/python -m bench.deploy
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from bench.ansible_run import PlaybookRun, run_playbook
from bench.cloud import PrivateCloud
from bench.common import REPO, RESULTS, Report, banner, copy_app_tree
from bench.plot import plot_phases, top_tasks

NOOP_MAX_SECONDS = 15.0
NOOP_MAX_REQUESTS = 20
ROLLBACK_MAX_SECONDS = 5.0
CODE_CHANGE_MAX_SECONDS = 60.0
MARKER = "static/bench-marker.txt"  # collected as a static file, read by nothing


def source_dir_variable() -> str | None:
    """The heroku_app variable that names the tree to build (so a copy can be built)."""
    if os.environ.get("BENCH_SOURCE_DIR_VAR"):
        return os.environ["BENCH_SOURCE_DIR_VAR"]
    specs = REPO / "roles" / "heroku_app" / "meta" / "argument_specs.yml"
    if not specs.exists():
        return None
    options: dict[str, Any] = {}
    for entry in (yaml.safe_load(specs.read_text()) or {}).get("argument_specs", {}).values():
        options |= entry.get("options", {}) or {}
    for name in ("heroku_app_source_dir", "heroku_app_build_source_dir", "heroku_app_source"):
        if name in options:
            return name
    candidates = [n for n in options if "source" in n and ("dir" in n or "path" in n)]
    return candidates[0] if candidates else None


class VersionWatcher(threading.Thread):
    """Polls the app's /version; remembers when it first reports something else than `now`."""

    def __init__(self, url: str, now: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.now = now
        self.changed_at: float | None = None
        self.seen: str | None = None
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set() and self.changed_at is None:
            release = read_version(self.url)
            if release and release.get("release") and release["release"] != self.now:
                self.changed_at = time.monotonic()
                self.seen = release["release"]
                return
            time.sleep(0.05)


def read_version(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            import json

            return json.loads(resp.read())
    except (OSError, ValueError):
        return None


def current_release(cloud: PrivateCloud, app: str) -> dict[str, Any]:
    releases = cloud.request(f"/apps/{app}/releases")
    releases.sort(key=lambda r: r["version"])
    return [r for r in releases if r.get("current")][-1] if releases else {}


def _slug(release: dict[str, Any]) -> str | None:
    return (release.get("slug") or {}).get("id")


# Source uploads and build/release output streams go to S3-style URLs on Heroku, not to
# api.heroku.com: they are listed but not counted as Heroku API requests.
NOT_API = ("PUT /blobs/", "GET /blobs/", "GET /streams/")


def requests_delta(before: dict[str, Any], after: dict[str, Any]) -> tuple[int, dict[str, int]]:
    paths = Counter(after.get("by_path", {}))
    paths.subtract(before.get("by_path", {}))
    by_path = {k: v for k, v in sorted(paths.items(), key=lambda kv: -kv[1]) if v}
    return sum(v for k, v in by_path.items() if not k.startswith(NOT_API)), by_path


def run_phase(
    report: Report,
    cloud: PrivateCloud,
    phase: str,
    playbook: str,
    extra: dict[str, Any],
    env: dict[str, str],
) -> tuple[PlaybookRun, int]:
    before = cloud.stats()
    run = run_playbook(playbook, env, extra, log_path=RESULTS / f"deploy-{phase}.log.tmp")
    requests, by_path = requests_delta(before, cloud.stats())
    report.details[phase] = {
        "playbook": playbook,
        "returncode": run.returncode,
        "wall_seconds": round(run.wall_seconds, 2),
        "cpu_seconds": round(run.cpu_seconds, 2),
        "tasks": len(run.tasks),
        "heroku_requests": requests,
        "requests_by_path": by_path,
        "changed_tasks": run.changed,
        "seconds_by_role": seconds_by_role(run),
        "tasks_over_100ms": [
            {"name": t.name, "seconds": round(t.seconds, 2), "status": t.status}
            for t in run.tasks
            if t.seconds >= 0.1
        ],
        "slowest_tasks": [
            {"name": n, "seconds": round(s, 2), "status": st} for n, s, st in top_tasks(run, 15)
        ],
    }
    if run.returncode != 0:
        report.error(f"{phase}: {playbook} failed ({run.returncode}): {run.failure}")
    return run, requests


def seconds_by_role(run: PlaybookRun) -> dict[str, float]:
    """Task time summed per role ("role : task" names), playbook tasks under "(playbook)"."""
    totals: dict[str, float] = {}
    for task in run.tasks:
        role = task.name.split(" : ", 1)[0] if " : " in task.name else "(playbook)"
        totals[role] = totals.get(role, 0.0) + task.seconds
    return {role: round(sec, 2) for role, sec in sorted(totals.items(), key=lambda kv: -kv[1])}


def keep_logs(cloud: PrivateCloud) -> None:
    """Keep localcloud's app and build logs beside the results (git-ignored) for diagnosis."""
    import shutil

    for log in (cloud.home / "logs").rglob("*.log"):
        shutil.copy(log, RESULTS / f"deploy-localcloud-{log.stem}.log.tmp")


def main() -> int:
    banner("deploy: deploy.yml / rollback.yml against a private localcloud")
    report = Report("deploy")
    variable = source_dir_variable()
    if variable is None:
        report.error(
            "roles/heroku_app offers no source-directory variable; the code-change deploy "
            "would have to edit the real skillstream/ tree, so it is not measured"
        )
    phases: dict[str, PlaybookRun] = {}
    work = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    try:
        with PrivateCloud() as cloud:
            try:
                phases = measure(report, cloud, variable, work)
            finally:
                if report.errors:
                    keep_logs(cloud)
    except Exception as exc:
        report.error(f"{type(exc).__name__}: {exc}")
    finally:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    if phases:
        path = plot_phases(phases, RESULTS / "deploy-tasks.png")
        report.details["plot"] = str(path.relative_to(REPO))
    print(f"  results: {report.write().relative_to(REPO)}")
    return 1 if report.errors else 0


def measure(
    report: Report, cloud: PrivateCloud, variable: str | None, work: Path
) -> dict[str, PlaybookRun]:
    tree = copy_app_tree(work / "skillstream")
    # A copy is no git checkout, so the version the build records is given: a new one for
    # the code change, so /version can tell the two releases apart by commit too.
    extra: dict[str, Any] = (
        {variable: str(tree), "heroku_app_version": "bench-base"} if variable else {}
    )
    env = cloud.process_env() | {"XDG_STATE_HOME": str(work / "state")}
    phases: dict[str, PlaybookRun] = {}

    first, requests = run_phase(report, cloud, "first", "deploy.yml", extra, env)
    phases["first deploy"] = first
    report.add("first deploy: wall time", first.wall_seconds, "s", note="cold build cache")
    report.add("first deploy: Heroku API requests", requests, "req")
    apps = cloud.request("/apps")
    if first.returncode != 0 and not (apps and current_release(cloud, apps[0]["name"])):
        return phases
    # A first deploy that failed after its release (a smoke test, say) still leaves the app
    # serving that release: the later phases are measured, the failure stays reported.
    app = apps[0]["name"]
    web_url = apps[0]["web_url"].rstrip("/") + "/"
    report.details["app"] = app

    noop, requests = run_phase(report, cloud, "noop", "deploy.yml", extra, env)
    phases["no-op deploy"] = noop
    report.add("no-op deploy: wall time", noop.wall_seconds, "s", "<=", NOOP_MAX_SECONDS)
    report.add(
        "no-op deploy: CPU time of ansible and its modules",
        noop.cpu_seconds,
        "s",
        note=f"{len(noop.tasks)} tasks; wall time cannot drop below CPU time / cores",
    )
    report.add("no-op deploy: Heroku API requests", requests, "req", "<=", NOOP_MAX_REQUESTS)
    report.add("no-op deploy: tasks reporting changed", noop.changed, "tasks", "<=", 0)

    if variable is None:
        return phases
    old = current_release(cloud, app)
    marker = tree / MARKER
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"benchmark code change {time.time_ns()}\n")
    extra["heroku_app_version"] = "bench-change"
    change, requests = run_phase(report, cloud, "code_change", "deploy.yml", extra, env)
    phases["code-change deploy"] = change
    report.add(
        "code-change deploy: wall time",
        change.wall_seconds,
        "s",
        "<=",
        CODE_CHANGE_MAX_SECONDS,
        note="warm build cache",
    )
    report.add("code-change deploy: CPU time of ansible and its modules", change.cpu_seconds, "s")
    report.add("code-change deploy: Heroku API requests", requests, "req")
    new = current_release(cloud, app)
    if change.returncode != 0 or _slug(new) == _slug(old):
        # Something to roll back from is still needed: one more code change, smoke test off,
        # not measured (the failure above stays reported).
        print("  (code-change deploy failed: one more, smoke test off, to measure the rollback)")
        marker.write_text(f"benchmark code change, retry {time.time_ns()}\n")
        extra["heroku_app_version"] = "bench-change-2"
        retry, _ = run_phase(
            report, cloud, "rollback_setup", "deploy.yml",
            extra | {"heroku_app_smoke_test": False}, env,
        )  # fmt: skip
        new = current_release(cloud, app)
        if retry.returncode != 0 or _slug(new) == _slug(old):
            report.error("no release of new code to roll back from; rollback not measured")
            return phases

    serving = read_version(web_url + "version") or {}
    watcher = VersionWatcher(web_url + "version", serving.get("release") or f"v{new['version']}")
    watcher.start()
    rollback, requests = run_phase(report, cloud, "rollback", "rollback.yml", extra, env)
    watcher.stopped.set()
    watcher.join(5)
    phases["rollback"] = rollback
    back = current_release(cloud, app)
    to_old = watcher.changed_at is not None and _slug(back) == _slug(old)
    serving_after = (
        watcher.changed_at - rollback.started_at if watcher.changed_at and to_old else None
    )
    report.details["rollback"] |= {
        "from_release": new.get("version"),
        "old_release": old.get("version"),
        "new_release": back.get("version"),
        "served_release_seen": watcher.seen,
        "runs_old_slug": _slug(back) == _slug(old),
    }
    if not to_old:
        report.error(
            f"rollback: /version never reported a release of the old slug "
            f"(current v{back.get('version')}, old slug served: {_slug(back) == _slug(old)})"
        )
    report.add(
        "rollback: command start to old release serving",
        serving_after,
        "s",
        "<=",
        ROLLBACK_MAX_SECONDS,
        note="polled /version every 50 ms",
    )
    report.add("rollback: wall time of rollback.yml", rollback.wall_seconds, "s")
    report.add("rollback: Heroku API requests", requests, "req")
    return phases


if __name__ == "__main__":
    sys.exit(main())
