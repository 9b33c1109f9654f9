"""Deploy benchmark: this tree's deploys beside a baseline commit's, measured in one run.

Two trees: the work tree ("current") and a baseline commit (BENCH_BASELINE_REF or
--baseline, default HEAD~1) checked out in a temporary git worktree. Each runs ITS OWN
`deploy.yml` / `rollback.yml`, ansible.cfg and localcloud code against its own private
localcloud (own home, own ports), with the local inventory. The phases alternate between
the trees (baseline first deploy, current first deploy, baseline no-op, current no-op, ...)
so both see the same machine load. Measured per phase: wall time of the command, Heroku
API requests it made (localcloud's counters, as a delta), CPU time, per-task time
(ansible.posix.json callback; the current tree's phases are plotted to
bench/results/deploy-tasks.png). Also the one-task floor (ansible-playbook running one
debug task, median of 3) and, as diagnostics, the current tree's no-op deploy once more
with ANSIBLE_STRATEGY=linear, and after rollback.yml a rollback made by one API call with no
Ansible (the platform's part of any rollback: release phase and dyno boot), and the current
tree's no-op deploy with its fast path off (every role runs). Code changes are made in copies
of each tree's skillstream/.

    .venv/bin/python -m bench.deploy [--baseline REF]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.ansible_run import PlaybookRun, run_playbook
from bench.cloud import PrivateCloud
from bench.common import REPO, RESULTS, banner
from bench.compare import ComparedReport
from bench.plot import plot_phases, top_tasks
from bench.trees import (
    DEFAULT_BASELINE_REF,
    Tree,
    baseline_tree,
    copy_app_tree,
    current_tree,
    source_dir_variable,
)

# Targets (issue 19). The no-op deploy is held both to an absolute time and to a multiple
# of what ansible-playbook costs for one task on this machine (the floor), which tracks
# the machine's speed and load.
NOOP_MAX_SECONDS = 5.0
NOOP_MAX_FLOOR_RATIO = 4.0
NOOP_MAX_REQUESTS = 20
CODE_CHANGE_MAX_SECONDS = 12.0
ROLLBACK_MAX_SECONDS = 1.5
FLOOR_RUNS = 3
POLL_SECONDS = 0.05
MARKER = "static/bench-marker.txt"  # collected as a static file, read by nothing

FLOOR_PLAYBOOK = """\
- name: One task
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Say something
      ansible.builtin.debug:
        msg: floor
"""


class VersionWatcher(threading.Thread):
    """Polls the app's /version until a release it did not know serves the old code.

    `known` are the release names (v12) that existed before the rollback started: a
    rollback always creates a new release, so a known one is never the answer, even one
    that serves the old slug. `old_commit` is what /version reported for the old code.
    """

    def __init__(self, cloud: PrivateCloud, url: str, known: set[str], old_commit: str | None):
        super().__init__(daemon=True)
        self.cloud = cloud
        self.url = url
        self.known = known
        self.old_commit = old_commit
        self.changed_at: float | None = None
        self.seen: str | None = None
        self.last_error = ""
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set() and self.changed_at is None:
            try:
                served = self.cloud.get_app_json(self.url)
            except (OSError, ValueError) as err:
                self.last_error = f"{type(err).__name__}: {err}"
                served = {}
            release = served.get("release")
            if release and release not in self.known:
                self.seen = f"{release} ({served.get('commit')})"
                if self.old_commit is None or served.get("commit") == self.old_commit:
                    self.changed_at = time.monotonic()
                    return
            time.sleep(POLL_SECONDS)


def releases(cloud: PrivateCloud, app: str) -> list[dict[str, Any]]:
    return sorted(cloud.request(f"/apps/{app}/releases"), key=lambda r: r["version"])


def current_release(cloud: PrivateCloud, app: str) -> dict[str, Any]:
    current = [r for r in releases(cloud, app) if r.get("current")]
    return current[-1] if current else {}


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


def seconds_by_role(run: PlaybookRun) -> dict[str, float]:
    """Task time summed per role ("role : task" names), playbook tasks under "(playbook)"."""
    totals: dict[str, float] = {}
    for task in run.tasks:
        role = task.name.split(" : ", 1)[0] if " : " in task.name else "(playbook)"
        totals[role] = totals.get(role, 0.0) + task.seconds
    return {role: round(sec, 2) for role, sec in sorted(totals.items(), key=lambda kv: -kv[1])}


class TreeBench:
    """One tree's phases against its own private localcloud; figures kept by key."""

    def __init__(self, report: ComparedReport, tree: Tree, cloud: PrivateCloud, work: Path):
        self.report = report
        self.tree = tree
        self.cloud = cloud
        self.work = work / tree.name
        self.details: dict[str, Any] = {"tree": tree.describe(), "phases": {}}
        report.details[tree.name] = self.details
        self.variable = os.environ.get("BENCH_SOURCE_DIR_VAR") or source_dir_variable(tree.root)
        self.app_tree = copy_app_tree(tree.root, self.work / "skillstream")
        # A copy is no git checkout, so the version the build records is given: a new one
        # for the code change, so /version can tell the two releases apart by commit too.
        self.extra: dict[str, Any] = (
            {self.variable: str(self.app_tree), "heroku_app_version": "bench-base"}
            if self.variable
            else {}
        )
        self.env = cloud.process_env() | {"XDG_STATE_HOME": str(self.work / "state")}
        self.runs: dict[str, PlaybookRun] = {}  # plot label -> run
        self.figures: dict[str, float | None] = {}
        self.floors: list[float] = []
        self.app = ""
        self.web_url = ""
        self.old: dict[str, Any] = {}
        self.old_commit: str | None = None
        self.new: dict[str, Any] = {}
        self.ready = False  # an app serves: the later phases can run
        if self.variable is None:
            self.error(
                "roles/heroku_app offers no source-directory variable; the code-change "
                "deploy would have to edit the real skillstream/ tree, so it is not measured"
            )

    def error(self, message: str) -> None:
        self.report.error(f"{self.tree.name}: {message}")

    def say(self, text: str) -> None:
        print(f"  [{self.tree.name}] {text}", flush=True)

    def phase(
        self,
        key: str,
        label: str,
        playbook: str,
        extra: dict[str, Any],
        env_add: dict | None = None,
    ) -> tuple[PlaybookRun, int]:
        before = self.cloud.stats()
        log = RESULTS / f"deploy-{self.tree.name}-{key}.log.tmp"
        run = run_playbook(
            playbook, self.env | (env_add or {}), extra, log_path=log, root=self.tree.root
        )
        requests, by_path = requests_delta(before, self.cloud.stats())
        self.runs[label] = run
        self.details["phases"][key] = {
            "playbook": playbook,
            "env": env_add or {},
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
        self.say(
            f"{label}: {run.wall_seconds:.2f} s, {requests} requests, {len(run.tasks)} tasks, "
            f"{run.changed} changed, rc {run.returncode}"
        )
        if run.returncode != 0:
            self.error(f"{key}: {playbook} failed ({run.returncode}): {run.failure}")
        return run, requests

    def floor_once(self, playbook: Path) -> None:
        run = run_playbook(str(playbook), self.env, root=self.tree.root)
        if run.returncode != 0:
            self.error(f"floor playbook failed ({run.returncode}): {run.failure}")
            return
        self.floors.append(run.wall_seconds)
        self.say(f"one-task floor: {run.wall_seconds:.2f} s")
        self.figures["floor"] = statistics.median(self.floors)
        self.details["floor_seconds"] = [round(s, 3) for s in self.floors]

    def first(self) -> None:
        run, requests = self.phase("first", "first deploy", "deploy.yml", self.extra)
        self.figures |= {"first_wall": run.wall_seconds, "first_requests": requests}
        apps = self.cloud.request("/apps")
        # A first deploy that failed after its release (a smoke test, say) still leaves the
        # app serving: the later phases are measured, the failure stays reported.
        if not apps or not current_release(self.cloud, apps[0]["name"]):
            return
        self.app = apps[0]["name"]
        self.web_url = apps[0]["web_url"].rstrip("/") + "/"
        self.details["app"] = self.app
        self.details["web_url"] = self.web_url
        self.ready = True

    def noop(self) -> None:
        if not self.ready:
            return
        run, requests = self.phase("noop", "no-op deploy", "deploy.yml", self.extra)
        self.figures |= {
            "noop_wall": run.wall_seconds,
            "noop_cpu": run.cpu_seconds,
            "noop_tasks": len(run.tasks),
            "noop_requests": requests,
            "noop_changed": run.changed,
        }

    def noop_linear(self) -> None:
        """Diagnostic: the same no-op deploy with Ansible's own linear strategy."""
        if not self.ready:
            return
        env = {"ANSIBLE_STRATEGY": "linear"}
        run, _ = self.phase("noop_linear", "no-op deploy, linear", "deploy.yml", self.extra, env)
        self.figures["noop_linear_wall"] = run.wall_seconds

    def noop_every_role(self) -> None:
        """Diagnostic: the same no-op deploy with the fast path off, every role running."""
        if not self.ready:
            return
        extra = self.extra | {"skillstream_deploy_fast_path": False}
        run, requests = self.phase("noop_full", "no-op deploy, every role", "deploy.yml", extra)
        self.figures |= {"noop_full_wall": run.wall_seconds, "noop_full_requests": requests}

    def code_change(self) -> None:
        if not self.ready or self.variable is None:
            return
        self.old = current_release(self.cloud, self.app)
        try:
            self.old_commit = self.cloud.get_app_json(self.web_url + "version").get("commit")
        except (OSError, ValueError) as err:
            self.error(f"cannot read {self.web_url}version: {type(err).__name__}: {err}")
        marker = self.app_tree / MARKER
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(f"benchmark code change {time.time_ns()}\n")
        self.extra["heroku_app_version"] = "bench-change"
        run, requests = self.phase("code_change", "code-change deploy", "deploy.yml", self.extra)
        self.figures |= {
            "change_wall": run.wall_seconds,
            "change_cpu": run.cpu_seconds,
            "change_requests": requests,
        }
        self.new = current_release(self.cloud, self.app)
        if run.returncode == 0 and _slug(self.new) != _slug(self.old):
            return
        # Something to roll back from is still needed: one more code change, smoke test
        # off, not measured (the failure above stays reported).
        self.say("code-change deploy failed: one more, smoke test off, to measure the rollback")
        marker.write_text(f"benchmark code change, retry {time.time_ns()}\n")
        self.extra["heroku_app_version"] = "bench-change-2"
        retry, _ = self.phase(
            "rollback_setup", "rollback setup", "deploy.yml",
            self.extra | {"heroku_app_smoke_test": False},
        )  # fmt: skip
        self.new = current_release(self.cloud, self.app)
        if retry.returncode != 0 or _slug(self.new) == _slug(self.old):
            self.error("no release of new code to roll back from; rollback not measured")
            self.new = {}

    def rollback(self) -> None:
        if not self.new:
            return
        # The code change may have added a config release after the verified deploy (the
        # verified slug recorded): "old" is the release with the old slug, whichever number.
        known = {f"v{r['version']}" for r in releases(self.cloud, self.app)}
        watcher = VersionWatcher(self.cloud, self.web_url + "version", known, self.old_commit)
        watcher.start()
        run, requests = self.phase("rollback", "rollback", "rollback.yml", self.extra)
        if watcher.changed_at is None:
            watcher.join(5)  # the old release may start serving just after the command ends
        watcher.stopped.set()
        watcher.join(1)
        back = current_release(self.cloud, self.app)
        to_old = _slug(back) == _slug(self.old)
        served = watcher.changed_at is not None and to_old
        self.details["phases"]["rollback"] |= {
            "from_release": self.new.get("version"),
            "old_release": self.old.get("version"),
            "new_release": back.get("version"),
            "old_commit": self.old_commit,
            "served_release_seen": watcher.seen,
            "runs_old_slug": to_old,
            "last_poll_error": watcher.last_error,
        }
        if not served:
            self.error(
                f"rollback: /version never reported a new release of the old code "
                f"(current v{back.get('version')}, old slug served: {to_old}, "
                f"seen: {watcher.seen}, last poll error: {watcher.last_error or 'none'})"
            )
        self.figures |= {
            "rollback_serving": watcher.changed_at - run.started_at if served else None,
            "rollback_wall": run.wall_seconds,
            "rollback_requests": requests,
        }

    def platform_rollback(self) -> None:
        """Diagnostic: a rollback with no Ansible at all, the platform's part of any rollback.

        One POST /apps/{app}/releases back to the code-change release, as `heroku rollback`
        sends it, timed until /version names the release it made. What it waits for is the
        release phase (Heroku runs it on a rollback too) and the new dynos' boot; rollback.yml
        cannot serve sooner than this plus Ansible's own start (the one-task floor).
        """
        if not self.new or self.figures.get("rollback_serving") is None:
            return
        known = {f"v{r['version']}" for r in releases(self.cloud, self.app)}
        watcher = VersionWatcher(self.cloud, self.web_url + "version", known, None)
        watcher.start()
        started = time.monotonic()
        try:
            made = self.cloud.request(
                f"/apps/{self.app}/releases", "POST", {"release": self.new["id"]}
            )
        except OSError as err:
            watcher.stopped.set()
            self.error(f"platform rollback: POST /apps/{self.app}/releases failed: {err}")
            return
        watcher.join(60)
        watcher.stopped.set()
        if watcher.changed_at is None:
            self.error(
                f"platform rollback: v{made.get('version')} never served within 60 s "
                f"(seen: {watcher.seen}, last poll error: {watcher.last_error or 'none'})"
            )
            return
        seconds = watcher.changed_at - started
        self.figures["platform_rollback_serving"] = seconds
        self.details["platform_rollback"] = {"release": made.get("version"), "seconds": seconds}
        self.say(f"platform rollback (one API call, no Ansible): {seconds:.2f} s to serving")

    def keep_logs(self) -> None:
        """Keep localcloud's app and build logs beside the results (git-ignored)."""
        for log in (self.cloud.home / "logs").rglob("*.log"):
            shutil.copy(log, RESULTS / f"deploy-{self.tree.name}-localcloud-{log.stem}.log.tmp")


def measure(baseline: TreeBench, current: TreeBench, work: Path) -> None:
    """Each phase on both trees, one after the other, before the next phase starts."""
    both = (baseline, current)
    for bench in both:
        bench.first()
    floor = work / "floor.yml"
    floor.write_text(FLOOR_PLAYBOOK)
    for _ in range(FLOOR_RUNS):
        for bench in both:
            bench.floor_once(floor)
    for bench in both:
        bench.noop()
    current.noop_linear()
    current.noop_every_role()
    for bench in both:
        bench.code_change()
    for bench in both:
        bench.rollback()
    for bench in both:
        bench.platform_rollback()


def report_figures(report: ComparedReport, baseline: TreeBench, current: TreeBench) -> None:
    cur, base = current.figures, baseline.figures

    def add(
        key: str,
        name: str,
        unit: str,
        op: str | None = None,
        limit: float | None = None,
        note: str = "",
    ) -> None:
        report.add(name, cur.get(key), unit, op, limit, note, baseline=base.get(key))

    def per_floor(figures: dict[str, float | None]) -> float | None:
        wall, floor = figures.get("noop_wall"), figures.get("floor")
        return wall / floor if wall is not None and floor else None

    add(
        "floor",
        "one-task floor: ansible-playbook, one debug task",
        "s",
        note=f"median of {FLOOR_RUNS}, each tree's ansible.cfg",
    )
    add("first_wall", "first deploy: wall time", "s", note="cold build cache")
    add("first_requests", "first deploy: Heroku API requests", "req")
    add("noop_wall", "no-op deploy: wall time", "s", "<=", NOOP_MAX_SECONDS)
    report.add(
        "no-op deploy: wall time / one-task floor",
        per_floor(cur),
        "x",
        "<=",
        NOOP_MAX_FLOOR_RATIO,
        baseline=per_floor(base),
    )
    add(
        "noop_cpu",
        "no-op deploy: CPU time of ansible and its modules",
        "s",
        note=f"{cur.get('noop_tasks', '?')} tasks, baseline {base.get('noop_tasks', '?')}",
    )
    add("noop_requests", "no-op deploy: Heroku API requests", "req", "<=", NOOP_MAX_REQUESTS)
    add("noop_changed", "no-op deploy: tasks reporting changed", "tasks", "<=", 0)
    add(
        "change_wall",
        "code-change deploy: wall time",
        "s",
        "<=",
        CODE_CHANGE_MAX_SECONDS,
        note="warm build cache",
    )
    add("change_cpu", "code-change deploy: CPU time of ansible and its modules", "s")
    add("change_requests", "code-change deploy: Heroku API requests", "req")
    add(
        "rollback_serving",
        "rollback: command start to old release serving",
        "s",
        "<=",
        ROLLBACK_MAX_SECONDS,
        note=f"/version polled every {POLL_SECONDS * 1000:g} ms",
    )
    add(
        "platform_rollback_serving",
        "rollback floor: one API rollback, no Ansible, to serving",
        "s",
        note="release phase + dyno boot; plus the one-task floor, the least rollback.yml can take",
    )
    add("rollback_wall", "rollback: wall time of rollback.yml", "s")
    add("rollback_requests", "rollback: Heroku API requests", "req")
    # The diagnostic: what Mitogen alone buys. Its baseline column is the baseline's no-op
    # deploy with the baseline's own strategy.
    # The trees' ansible.cfg as read before the baseline worktree was removed.
    strategy = current.details["tree"]["ansible_strategy"]
    report.add(
        "diagnostic: no-op deploy, ANSIBLE_STRATEGY=linear",
        cur.get("noop_linear_wall"),
        "s",
        note=f"current tree; baseline column: its no-op with its own strategy "
        f"({baseline.details['tree']['ansible_strategy']})",
        baseline=base.get("noop_wall"),
    )
    report.add(
        "diagnostic: no-op deploy, every role (skillstream_deploy_fast_path=false)",
        cur.get("noop_full_wall"),
        "s",
        note=f"current tree, {cur.get('noop_full_requests', '?')} requests; baseline column: "
        "its no-op deploy",
        baseline=base.get("noop_wall"),
    )
    linear, own = cur.get("noop_linear_wall"), cur.get("noop_wall")
    report.add(
        f"diagnostic: no-op deploy, linear / {strategy}",
        linear / own if linear and own else None,
        "x",
        note="current tree: what its strategy buys",
        compare=False,
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.deploy", description=__doc__)
    parser.add_argument(
        "--baseline",
        default=os.environ.get("BENCH_BASELINE_REF") or DEFAULT_BASELINE_REF,
        help="the commit to measure beside the work tree (env BENCH_BASELINE_REF; "
        f"default {DEFAULT_BASELINE_REF})",
    )
    # `python -m bench deploy` calls main() with no arguments: not the process's argv.
    return parser.parse_args(argv or [])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    banner(f"deploy: this tree beside {args.baseline}, each against a private localcloud")
    report = ComparedReport("deploy")
    benches: dict[str, TreeBench] = {}
    work = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    try:
        with (
            baseline_tree(args.baseline) as base_tree,
            PrivateCloud(base_tree.root) as base_cloud,
            PrivateCloud(REPO) as cur_cloud,
        ):
            cur_tree = current_tree()
            for tree in (base_tree, cur_tree):
                print(
                    f"  {tree.name}: {tree.ref} = {tree.sha[:10]} {tree.subject[:70]}"
                    + (" + uncommitted changes" if tree.dirty else "")
                )
            benches = {
                "baseline": TreeBench(report, base_tree, base_cloud, work),
                "current": TreeBench(report, cur_tree, cur_cloud, work),
            }
            try:
                measure(benches["baseline"], benches["current"], work)
            finally:
                if report.errors:
                    for bench in benches.values():
                        bench.keep_logs()
    except Exception as exc:
        report.error(f"{type(exc).__name__}: {exc}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if benches:
        banner(f"deploy: current (work tree) beside baseline ({args.baseline})")
        report_figures(report, benches["baseline"], benches["current"])
        if benches["current"].runs:
            path = plot_phases(
                benches["current"].runs,
                RESULTS / "deploy-tasks.png",
                "Where the current tree's deploy time goes (ansible.posix.json task timings)",
            )
            report.details["plot"] = str(path.relative_to(REPO))
    print(f"  results: {report.write().relative_to(REPO)}")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
