"""Page benchmark: SkillStream under gunicorn exactly as its Procfile runs it, loaded by wrk.

A copy of skillstream/ runs with production settings on a fresh PostgreSQL database and a
private Redis, after the release phase (migrate), collectstatic and a seed through the
app's models; the Procfile's worker runs beside it (it folds the counted views). wrk, a
second process, loads the home page, the watch page (anonymous and logged in), search, the
logged-in dashboard and a trivial view (`/version`: no database, no cache) at 8 and at 32
connections. Figures: p50/p95/p99 latency, requests per second, throughput as a ratio to the
trivial view served by the same gunicorn in the same run, and each page's database queries
and Redis round trips per request (bench/count_requests.py).

    .venv/bin/python -m bench.pages
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
import redis as redis_lib

from bench.common import (
    BIN,
    PYTHON,
    REPO,
    RESULTS,
    Report,
    banner,
    copy_app_tree,
    free_port,
    psql,
    scratch_database,
    stop,
    wait_for_port,
)

SECONDS = int(os.environ.get("BENCH_PAGES_SECONDS", "10"))
WARMUP_SECONDS = 2
CONNECTIONS = (8, 32)
WRK_THREADS = 2
P95_MAX_MS = 50.0  # at 32 connections, for every page with a throughput target
# Throughput targets as a ratio to the trivial view's requests per second.
RATIO_MIN = {
    "home": 0.5,
    "watch (anonymous)": 0.3,
    "watch (logged in)": 0.3,
    "dashboard (logged in)": 0.3,
}
TRIVIAL = "trivial (/version)"
WATCH_ANONYMOUS = "watch (anonymous)"
LUA = REPO / "bench" / "wrk" / "measure.lua"
# Set to a py-spy binary to record where gunicorn's time goes during each 32-connection run
# (collapsed stacks in bench/results/pages-profile-<page>.txt; figures are then perturbed).
PYSPY = os.environ.get("BENCH_PYSPY", "")


def procfile_command(tree: Path, process: str) -> str:
    for line in (tree / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return command.strip()
    raise RuntimeError(f"the Procfile has no {process} process")


def app_env(database: str, redis_port: int, web_port: int) -> dict[str, str]:
    """The config vars a deployed dyno gets (docs/contracts.md), pointed at local services."""
    return os.environ | {
        "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{web_port}",
        "SECURE_SSL_REDIRECT": "false",
        "AWS_STORAGE_BUCKET_NAME": "bench-media",
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        # As deployed behind CloudFront: media URLs are plain, not presigned per request.
        "AWS_S3_CUSTOM_DOMAIN": "media.bench.invalid",
        "PORT": str(web_port),
        "DYNO": "web.1",
        "HEROKU_RELEASE_VERSION": "v1",
        "HEROKU_SLUG_COMMIT": "bench",
    }


def manage(tree: Path, env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed: {out.stderr.strip()[-1500:]}")
    return out.stdout


def fetch(port: int, path: str, cookie: str = "") -> tuple[int, str, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode(errors="replace"), dict(resp.getheaders())
    finally:
        conn.close()


def wrk(port: int, path: str, connections: int, seconds: int, cookie: str = "") -> dict[str, Any]:
    cmd = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{port}{path}",
    ]
    if cookie:
        cmd += ["--", cookie]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1]
    data = json.loads(line)
    secs = data["duration_us"] / 1e6
    return {
        "requests": data["requests"],
        "rps": data["requests"] / secs if secs else 0.0,
        "p50_ms": data["p50_us"] / 1000,
        "p95_ms": data["p95_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
        "max_ms": data["max_us"] / 1000,
        "errors": data["errors"],
    }


def main() -> int:
    banner("pages: gunicorn as in the Procfile, production settings, wrk at 8 and 32 connections")
    report = Report("pages")
    if shutil.which("wrk") is None:
        report.error("wrk is not installed (Debian: apt-get install wrk)")
        report.write()
        return 1
    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    redis = web = worker = None
    try:
        redis_port = free_port()
        redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(redis_port, 15, redis)
        with scratch_database(f"bench_pages_{os.getpid()}") as database:
            tree = copy_app_tree(work / "app")
            port = free_port()
            env = app_env(database, redis_port, port)
            manage(tree, env, "collectstatic", "--noinput")  # the build step
            manage(tree, env, "migrate", "--noinput")  # the Procfile's release phase
            seed = json.loads(
                manage(tree, env, "shell", "-c", (REPO / "bench" / "seed_app.py").read_text())
                .strip()
                .splitlines()[-1]
            )
            report.details["seed"] = {k: v for k, v in seed.items() if k != "cookie"}
            pages = bench_pages(seed)
            views_before = views_of(database, seed["video_id"])
            report.details["requests_cost"] = count_requests(tree, env, pages)
            command = procfile_command(tree, "web")
            report.details["web"] = command
            log_path = work / "gunicorn.log"
            log = log_path.open("wb")
            worker = start_process(procfile_command(tree, "worker"), tree, env, log)
            web = start_web(command, tree, env, port, log)
            measure(report, port, pages, web.pid)
            check_views_folded(
                report, database, redis_port, seed["video_id"], views_before, log_path
            )
            stop(web)
            if "--max-requests" in command and not os.environ.get("BENCH_PAGES_ONLY"):
                # Diagnostic, not the Procfile: the same app without worker recycling.
                port = free_port()
                env = app_env(database, redis_port, port) | {"SECRET_KEY": env["SECRET_KEY"]}
                web = start_web(f"{command} --max-requests 0", tree, env, port, log)
                without_recycling(report, port)
    except Exception as exc:
        report.error(f"{type(exc).__name__}: {exc}")
    finally:
        stop(web)
        stop(worker)
        stop(redis)
        shutil.rmtree(work, ignore_errors=True)
    print(f"  results: {report.write().relative_to(REPO)}")
    return 1 if report.errors else 0


def start_process(command: str, tree: Path, env: dict[str, str], log: Any) -> subprocess.Popen:
    """A Procfile command as a dyno runs it (through bash)."""
    return subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        cwd=tree,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def start_web(command: str, tree: Path, env: dict[str, str], port: int, log: Any) -> Any:
    """The web command, once it listens on `port`."""
    web = start_process(command, tree, env, log)
    wait_for_port(port, 60, web)
    return web


def bench_pages(seed: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """name -> (path, cookie). Anonymous requests carry no cookie: each is a new visitor (a
    view counted). The logged-in ones carry what a browser has after its first page: the
    session, a visitor id and a CSRF cookie."""
    csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    logged_in = f"{seed['cookie']}; visitor={secrets.token_urlsafe(16)}; csrftoken={csrf}"
    pages = {
        TRIVIAL: ("/version", ""),
        "home": ("/", ""),
        WATCH_ANONYMOUS: (f"/v/{seed['video_id']}/", ""),
        "search": ("/search/?q=django+pract", ""),
        "watch (logged in)": (f"/v/{seed['other_video_id']}/", logged_in),
        "dashboard (logged in)": ("/studio/", logged_in),
    }
    # While working on some pages: BENCH_PAGES_ONLY="watch (logged in),dashboard (logged in)"
    # (the trivial view and the anonymous watch page, whose views are checked, always run).
    only = {name.strip() for name in os.environ.get("BENCH_PAGES_ONLY", "").split(",") if name}
    if only:
        unknown = only - set(pages)
        if unknown:
            raise RuntimeError(f"BENCH_PAGES_ONLY names no page: {sorted(unknown)}")
        pages = {k: v for k, v in pages.items() if k in only | {TRIVIAL, WATCH_ANONYMOUS}}
    return pages


def count_requests(tree: Path, env: dict[str, str], pages: dict) -> dict[str, dict[str, float]]:
    """Database queries and Redis round trips per request of each page (in-process)."""
    script = (REPO / "bench" / "count_requests.py").read_text()
    out = manage(tree, env | {"BENCH_COUNT_PAGES": json.dumps(pages)}, "shell", "-c", script)
    return json.loads(out.strip().splitlines()[-1])


def views_of(database: str, video_id: int) -> int:
    return int(psql(f"SELECT view_count FROM videos_video WHERE id = {int(video_id)}", database))


def check_views_folded(
    report: Report, database: str, redis_port: int, video_id: int, before: int, log: Path
) -> None:
    """Every anonymous watch request is a new visitor: once the worker has folded the views
    counted in Redis, the database has one view more per request served (gunicorn's access
    log, plus bench/count_requests.py's own requests), none lost and none twice."""
    client = redis_lib.Redis(port=redis_port)
    deadline = time.monotonic() + 60
    keys = ["skillstream:1:views:pending", "skillstream:1:views:folding"]
    while client.exists(*keys) and time.monotonic() < deadline:
        time.sleep(0.5)
    if client.exists(*keys):
        report.error("views were still waiting to be folded 60 s after the last request")
    folded = views_of(database, video_id) - before
    served_line = f'"GET /v/{video_id}/ HTTP/1.1" 200 '.encode()
    served = log.read_bytes().count(served_line)
    served += report.details["requests_cost"][WATCH_ANONYMOUS]["requests"]
    report.details["views"] = {"folded": folded, "anonymous_watch_requests": served}
    report.add(
        "views lost or counted twice (folded by the worker vs anonymous watch requests)",
        abs(folded - served),
        "views",
        "<=",
        0,
        note=f"{folded} views folded into PostgreSQL, {served} requests served",
    )


def gunicorn_cpu(master: psutil.Process) -> float:
    """CPU seconds used so far by gunicorn: its master, live workers and reaped workers."""
    times = master.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for worker in master.children():
        try:
            times = worker.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def profile(master_pid: int, name: str, seconds: int) -> subprocess.Popen | None:
    """py-spy on every gunicorn worker for one run, when BENCH_PYSPY names the binary."""
    if not PYSPY:
        return None
    slug = "-".join("".join(c if c.isalnum() else " " for c in name).split())
    out = RESULTS / f"pages-profile-{slug}.txt.tmp"
    cmd = [
        PYSPY,
        "record",
        "--pid",
        str(master_pid),
        "--subprocesses",
        "--rate",
        "50",
        "--duration",
        str(seconds),
        "--format",
        "raw",
        "--output",
        str(out),
        "--nonblocking",
    ]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(
    report: Report, port: int, pages: dict[str, tuple[str, str]], master_pid: int = 0
) -> None:
    costs = report.details["requests_cost"]
    report.details["pages"] = {}
    for name, (path, page_cookie) in pages.items():
        for _ in range(2):  # the second answer shows whether the page cache serves it
            status, body, headers = fetch(port, path, page_cookie)
            if status != 200:
                raise RuntimeError(f"{name} {path} answered {status}, not 200: {body[:300]}")
        report.details["pages"][name] = {
            "path": path,
            "bytes": len(body.encode()),
            "page_cache": headers.get("X-Page-Cache", "not used"),
        }
    results: dict[str, dict[str, Any]] = {}
    master = psutil.Process(master_pid) if master_pid else None
    for connections in CONNECTIONS:
        print(
            f"  -- {connections} connections, {SECONDS} s each (after {WARMUP_SECONDS} s warm-up)"
        )
        trivial_rps = 0.0
        trivial_cpu: float | None = None
        for name, (path, page_cookie) in pages.items():
            wrk(port, path, connections, WARMUP_SECONDS, page_cookie)
            spy = profile(master_pid, name, SECONDS) if connections == 32 else None
            cpu_before = gunicorn_cpu(master) if master else 0.0
            res = wrk(port, path, connections, SECONDS, page_cookie)
            if spy is not None:
                spy.wait(30)
            # gunicorn's own CPU per request: what the page costs whatever else runs.
            cpu = gunicorn_cpu(master) - cpu_before if master else 0.0
            res["gunicorn_cpu_ms_per_request"] = (
                cpu * 1000 / res["requests"] if res["requests"] else None
            )
            results[f"{name} @{connections}"] = res
            if name == TRIVIAL:
                trivial_rps = res["rps"]
                trivial_cpu = res["gunicorn_cpu_ms_per_request"]
            res["ratio_to_trivial"] = res["rps"] / trivial_rps if trivial_rps else None
            errors = sum(res["errors"].values())
            cost = costs[name]
            note = (
                f"p50 {res['p50_ms']:.1f}, p99 {res['p99_ms']:.1f} ms, {res['rps']:.0f} req/s, "
                f"gunicorn CPU {res['gunicorn_cpu_ms_per_request'] or 0:.1f} ms/req, "
                f"{cost['queries']:g} DB queries and {cost['redis_round_trips']:g} Redis round "
                "trips per request"
            )
            if errors:
                note += f", {errors} errors"
                report.error(f"{name} @{connections}: {res['errors']}")
            ratio_min = RATIO_MIN.get(name)
            # Home keeps its throughput target at both loads; the other pages' are at 32.
            held = ratio_min is not None and (connections == 32 or name == "home")
            report.add(
                f"{name} @{connections}: p95",
                res["p95_ms"],
                "ms",
                "<=" if ratio_min is not None and connections == 32 else None,
                P95_MAX_MS,
                note=note,
            )
            if name == "home" and trivial_cpu and res["gunicorn_cpu_ms_per_request"]:
                report.add(
                    f"home @{connections}: trivial view's CPU per request / home's",
                    trivial_cpu / res["gunicorn_cpu_ms_per_request"],
                    "x",
                    note="gunicorn CPU only: estimates the throughput ratio on an idle machine",
                )
            if name != TRIVIAL:
                report.add(
                    f"{name} @{connections}: throughput / trivial view",
                    res["ratio_to_trivial"],
                    "x",
                    ">=" if held else None,
                    ratio_min,
                )
    report.details["results"] = results


def without_recycling(report: Report, port: int) -> None:
    """The trivial view and home at 32 connections with `--max-requests 0` appended.

    The Procfile restarts each worker after ~1,000 requests; at hundreds of requests per
    second that is a restart every few seconds, and this run shows what it costs.
    """
    print("  -- diagnostic: the Procfile's command with --max-requests 0 (no worker recycling)")
    rows = {}
    for name, path in ((TRIVIAL, "/version"), ("home", "/")):
        wrk(port, path, 32, WARMUP_SECONDS)
        res = wrk(port, path, 32, SECONDS)
        rows[name] = res
        report.add(
            f"no recycling: {name} @32: p95",
            res["p95_ms"],
            "ms",
            note=f"p50 {res['p50_ms']:.1f}, p99 {res['p99_ms']:.1f} ms, {res['rps']:.0f} req/s",
        )
    report.add(
        "no recycling: home @32: throughput / trivial view",
        rows["home"]["rps"] / rows[TRIVIAL]["rps"] if rows[TRIVIAL]["rps"] else None,
        "x",
    )
    report.details["without_recycling"] = rows


if __name__ == "__main__":
    sys.exit(main())
