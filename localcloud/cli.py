"""Command line: `python -m localcloud up|down|status|env|reset|logs APP`."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from localcloud.mail import cli as mail_cli
from localcloud.settings import REPO_ROOT, Settings, resolve


def _pid(settings: Settings) -> int | None:
    """The daemon's pid when it is alive."""
    try:
        pid = int(settings.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    try:  # a zombie waiting for its reaper has finished all the same
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return None
    except (OSError, IndexError):
        pass
    return pid


def _get(settings: Settings, path: str, timeout: float = 2.0) -> Any:
    req = urllib.request.Request(
        settings.api_url + path,
        headers={
            "Accept": "application/vnd.heroku+json; version=3",
            "Authorization": f"Bearer {settings.api_key()}",
        },
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        body = resp.read()
        return json.loads(body) if body.strip().startswith((b"{", b"[")) else body.decode()


def _healthy(settings: Settings) -> bool:
    try:
        return _get(settings, "/__localcloud/health").get("status") == "ok"
    except (OSError, ValueError, urllib.error.URLError):
        return False


def _daemon_env() -> dict[str, str]:
    """The daemon imports this package from wherever this process found it."""
    env = dict(os.environ)
    root = str(REPO_ROOT)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def cmd_up(settings: Settings, args: argparse.Namespace) -> int:
    pid = _pid(settings)
    if pid and _healthy(settings):
        print(f"localcloud already running (pid {pid}) at {settings.api_url}")
        return 0
    if pid:
        cmd_down(settings, args)
    settings.home.mkdir(parents=True, exist_ok=True)
    settings.api_key()
    settings.save()
    (settings.home / "ready").unlink(missing_ok=True)
    log = (settings.home / "daemon.out").open("ab")
    cmd = [
        sys.executable, "-m", "localcloud",
        "--home", str(settings.home),
        "--api-port", str(settings.api_port),
        "--moto-port", str(settings.moto_port),
        "--router-base-port", str(settings.router_base_port),
        "_serve",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True, cwd=settings.home, env=_daemon_env(),
    )  # fmt: skip
    settings.pid_file.write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            print(
                f"localcloud failed to start; see {settings.home / 'daemon.out'}", file=sys.stderr
            )
            settings.pid_file.unlink(missing_ok=True)
            return 1
        if (settings.home / "ready").exists() and _healthy(settings):
            print(
                f"localcloud up (pid {proc.pid}): api {settings.api_url}, "
                f"aws {settings.aws_endpoint}"
            )
            return 0
        time.sleep(0.2)
    print("localcloud did not become ready in time", file=sys.stderr)
    return 1


def _stop_clusters_left(settings: Settings) -> None:
    """Add-on clusters run in sessions of their own (pg_ctl detaches them), so a daemon that died
    or had to be killed leaves them running: `down` stops them from the state it kept."""
    from localcloud import pgclusters
    from localcloud.store import Store

    if not settings.db_path.exists():
        return
    store = Store(settings.db_path)
    try:
        for addon in store.list("addon"):
            made = addon.get("_backing") or {}
            if made.get("type") == "postgres-cluster":
                with contextlib.suppress(pgclusters.ClusterError):
                    pgclusters.stop(made, mode="immediate")
    finally:
        store.close()


def cmd_down(settings: Settings, args: argparse.Namespace) -> int:
    pid = _pid(settings)
    if not pid:
        print("localcloud is not running")
        settings.pid_file.unlink(missing_ok=True)
        _stop_clusters_left(settings)
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _pid(settings):
        time.sleep(0.2)
    if _pid(settings):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)  # its own session: the daemon, moto and dynos
    settings.pid_file.unlink(missing_ok=True)
    _stop_clusters_left(settings)
    print("localcloud down")
    return 0


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    pid = _pid(settings)
    if not pid or not _healthy(settings):
        print(f"localcloud is not running (home {settings.home})")
        return 3
    status = _get(settings, "/__localcloud/status")
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    print(f"localcloud running (pid {pid}), home {settings.home}")
    print(f"  Heroku API   {settings.api_url}")
    print(f"  AWS (moto)   {settings.aws_endpoint}")
    for app in status["apps"]:
        dynos = ", ".join(f"{d['name']}:{d['state']}" for d in app["dynos"]) or "no dynos"
        print(f"  app {app['name']:<30} {app['web_url']}  {app['release'] or '-'}  {dynos}")
        if app.get("https_url"):
            print(f"      {'https':<30} {app['https_url']}  (CA: {status.get('tls_cert')})")
    return 0


def cmd_env(settings: Settings, args: argparse.Namespace) -> int:
    from localcloud.runtime.tls import ensure_ca_bundle

    ensure_ca_bundle(settings.home / "tls")  # the file SSL_CERT_FILE names must exist
    env = settings.env()
    if args.json:
        print(json.dumps(env, indent=2))
    else:
        for key, value in env.items():
            print(f"export {key}={shlex.quote(value)}")
    return 0


def cmd_reset(settings: Settings, args: argparse.Namespace) -> int:
    from localcloud.wipe import wipe

    cmd_down(settings, args)
    wipe(settings)
    print(f"localcloud state wiped ({settings.home})")
    return 0


def cmd_logs(settings: Settings, args: argparse.Namespace) -> int:
    if not _healthy(settings):
        print("localcloud is not running", file=sys.stderr)
        return 3
    query = f"?lines={args.num}" + ("&tail=true" if args.tail else "")
    req = urllib.request.Request(f"{settings.api_url}/__localcloud/logs/{args.app}{query}")
    try:
        with urllib.request.urlopen(req, timeout=None if args.tail else 30) as resp:
            for raw in resp:
                sys.stdout.write(raw.decode(errors="replace"))
                sys.stdout.flush()
    except urllib.error.HTTPError as exc:
        print(f"error: {exc.code} {exc.read().decode()}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m localcloud", description=__doc__)
    parser.add_argument("--home", help="state directory (env LOCALCLOUD_HOME)")
    parser.add_argument("--api-port", type=int, help="Heroku API port (env LOCALCLOUD_API_PORT)")
    parser.add_argument("--moto-port", type=int, help="AWS port (env LOCALCLOUD_MOTO_PORT)")
    parser.add_argument(
        "--router-base-port",
        type=int,
        help="first app router port (env LOCALCLOUD_ROUTER_BASE_PORT)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start localcloud in the background")
    up.add_argument("--timeout", type=float, default=60, help="seconds to wait until ready")
    sub.add_parser("down", help="stop localcloud (dynos too)")
    status = sub.add_parser("status", help="what runs and where")
    status.add_argument("--json", action="store_true")
    env = sub.add_parser("env", help="print the exports a client needs")
    env.add_argument("--json", action="store_true")
    sub.add_parser("reset", help="stop and wipe all state (drops add-on databases)")
    logs = sub.add_parser("logs", help="show an app's logs")
    logs.add_argument("app")
    logs.add_argument("-n", "--num", type=int, default=100)
    logs.add_argument("-t", "--tail", action="store_true", help="keep following")
    mail_cli.add_parser(sub)
    sub.add_parser("_serve", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = resolve(args.home, args.api_port, args.moto_port, args.router_base_port)
    if args.command == "_serve":
        from localcloud.daemon import serve

        serve(settings)
        return 0
    commands = {
        "up": cmd_up, "down": cmd_down, "status": cmd_status,
        "env": cmd_env, "reset": cmd_reset, "logs": cmd_logs,
        "mail": mail_cli.cmd_mail,
    }  # fmt: skip
    try:
        return commands[args.command](settings, args)
    except KeyboardInterrupt:
        return 130
