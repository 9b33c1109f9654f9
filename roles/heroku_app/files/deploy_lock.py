#!/usr/bin/env python3
"""A per-app deploy lock on the control host, so two runs never release at once.

The lock is a directory created with ``mkdir`` (atomic on every local file system) that
holds ``owner.json``: the ansible-playbook process that owns it (pid and its start time,
so a reused pid is not mistaken for the owner), the host, and an expiry. A lock counts as
abandoned, and is taken over, when its owner process is gone (a crashed or killed run)
or when its expiry has passed (an owner on another machine that shares the directory).
So a crash never blocks deploys for longer than one check, and a hung run for longer
than the expiry.

    deploy_lock.py acquire --dir D --name APP --ttl 3600 --wait 900 [--owner PID]
    deploy_lock.py release --dir D --name APP [--owner PID]

Prints one JSON object: {"acquired"|"released": bool, "owner": {...}, "took_over": {...}}.
Exit status 0 on success, 1 when the lock stayed taken for --wait seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sys
import time
from pathlib import Path


def _proc_stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; the fields after it are fixed.
    return raw[raw.rindex(")") + 2 :].split()


def start_time(pid: int) -> str:
    """The process start time in clock ticks since boot (Linux), or "" elsewhere."""
    fields = _proc_stat(pid)
    return fields[19] if fields else ""


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def playbook_pid() -> int:
    """The outermost ansible-playbook process above this one (the run, not a worker)."""
    found, pid = 0, os.getppid()
    while pid > 1:
        if "ansible-playbook" in _cmdline(pid):
            found = pid
        fields = _proc_stat(pid)
        if not fields:
            break
        pid = int(fields[1])
    return found or os.getppid()


def alive(owner: dict) -> bool:
    """Whether the recorded owner still runs (same host, same pid, same start time)."""
    if owner.get("host") != socket.gethostname():
        return True  # cannot see it; only the expiry frees the lock
    pid = int(owner.get("pid") or 0)
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    started = owner.get("started")
    return not started or started == start_time(pid)


def read_owner(lock: Path) -> dict | None:
    try:
        return json.loads((lock / "owner.json").read_text())
    except (OSError, ValueError):
        return None


def acquire(lock: Path, owner: dict, ttl: int, wait: int) -> dict:
    deadline = time.monotonic() + wait
    lock.parent.mkdir(parents=True, exist_ok=True)
    took_over = None
    while True:
        try:
            lock.mkdir()
        except FileExistsError:
            current = read_owner(lock)
            if current is None:
                # Being written right now, or left half-written by a crash long ago.
                if time.time() - lock.stat().st_mtime > 30:
                    shutil.rmtree(lock, ignore_errors=True)
                    continue
            elif current.get("pid") == owner["pid"] and current.get("host") == owner["host"]:
                return {"acquired": True, "owner": current, "took_over": None, "reentrant": True}
            elif float(current.get("expires", 0)) < time.time() or not alive(current):
                took_over = current
                shutil.rmtree(lock, ignore_errors=True)
                continue
            if time.monotonic() >= deadline:
                return {"acquired": False, "owner": current, "took_over": None}
            time.sleep(2)
            continue
        record = dict(owner, expires=time.time() + ttl)
        tmp = lock / "owner.json.tmp"
        tmp.write_text(json.dumps(record))
        tmp.replace(lock / "owner.json")
        return {"acquired": True, "owner": record, "took_over": took_over}


def release(lock: Path, owner: dict) -> dict:
    current = read_owner(lock)
    if current and (current.get("pid"), current.get("host")) == (owner["pid"], owner["host"]):
        shutil.rmtree(lock, ignore_errors=True)
        return {"released": True, "owner": current}
    return {"released": False, "owner": current}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["acquire", "release"])
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--name", required=True)
    parser.add_argument("--ttl", type=int, default=3600)
    parser.add_argument("--wait", type=int, default=900)
    parser.add_argument("--owner", type=int, default=0, help="owner pid (default: the run)")
    parser.add_argument("--purpose", default="deploy")
    args = parser.parse_args(argv)
    pid = args.owner or playbook_pid()
    owner = {
        "pid": pid,
        "started": start_time(pid),
        "host": socket.gethostname(),
        "purpose": args.purpose,
        "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    lock = args.dir / f"{args.name}.lock"
    if args.action == "acquire":
        result = acquire(lock, owner, args.ttl, args.wait)
    else:
        result = release(lock, owner)
    print(json.dumps(result))
    return 0 if result.get("acquired", True) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
