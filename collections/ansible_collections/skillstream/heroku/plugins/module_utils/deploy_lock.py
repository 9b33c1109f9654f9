# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A per-app deploy lock on the control host, so two runs never release at once.

The lock is a directory created with ``mkdir`` (atomic on every local file system) that
holds ``owner.json``: the ansible-playbook process that owns it (pid and its start time,
so a reused pid is not mistaken for the owner), the host, and an expiry. A lock counts as
abandoned, and is taken over, when its owner process is gone (a crashed or killed run)
or when its expiry has passed (an owner on another machine that shares the directory).
So a crash never blocks deploys for longer than one check, and a hung run for longer
than the expiry. The module ``skillstream.heroku.deploy_lock`` is the only caller.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import json
import os
import shutil
import socket
import time
from typing import Any, Callable, Optional

POLL_SECONDS = 2.0
# A lock directory without owner.json is being written right now, or was left half
# written by a crash; after this long it is the latter.
HALF_WRITTEN_SECONDS = 30


def _proc_stat(pid: int) -> Optional[list[str]]:
    try:
        with open("/proc/%d/stat" % pid) as handle:
            raw = handle.read()
    except (OSError, IOError):
        return None
    # The command name (field 2) may hold spaces; the fields after it are fixed.
    return raw[raw.rindex(")") + 2 :].split()


def start_time(pid: int) -> str:
    """The process start time in clock ticks since boot (Linux), or "" elsewhere."""
    fields = _proc_stat(pid)
    return fields[19] if fields else ""


def _cmdline(pid: int) -> str:
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except (OSError, IOError):
        return ""


def playbook_pid(start: Optional[int] = None) -> int:
    """The outermost ansible-playbook process at or above ``start`` (default: this one).

    That is the run, whichever process runs the module: a worker's child (strategy
    ``linear``) or Mitogen's persistent interpreter (``mitogen_linear``), both below the
    ansible-playbook process. Outside such a run, the parent process.
    """
    found, pid = 0, start or os.getpid()
    while pid > 1:
        if "ansible-playbook" in _cmdline(pid):
            found = pid
        fields = _proc_stat(pid)
        if not fields:
            break
        pid = int(fields[1])
    return found or os.getppid()


def owner_record(pid: int, purpose: str) -> dict[str, Any]:
    """Who takes the lock: the process ``pid`` on this host, for ``purpose``."""
    return {
        "pid": pid,
        "started": start_time(pid),
        "host": socket.gethostname(),
        "purpose": purpose,
        "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def alive(owner: dict[str, Any]) -> bool:
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


def read_owner(lock: str) -> Optional[dict[str, Any]]:
    try:
        with open(os.path.join(lock, "owner.json")) as handle:
            return json.load(handle)
    except (OSError, IOError, ValueError):
        return None


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (a.get("pid"), a.get("host")) == (b.get("pid"), b.get("host"))


def acquire(
    lock: str,
    owner: dict[str, Any],
    ttl: float,
    wait: float,
    sleep: Callable[[float], Any] = time.sleep,
) -> dict[str, Any]:
    """Take ``lock`` for ``owner``, waiting up to ``wait`` seconds for another owner.

    Returns ``acquired`` (bool), ``owner`` (the holder), ``took_over`` (the abandoned
    owner replaced, or None), ``reentrant`` (the owner already held it) and ``waited``.
    """
    started = time.monotonic()
    deadline = started + wait
    parent = os.path.dirname(lock)
    if parent:
        os.makedirs(parent, exist_ok=True)
    took_over = None

    def result(acquired: bool, holder: Any, reentrant: bool = False) -> dict[str, Any]:
        return {
            "acquired": acquired,
            "owner": holder,
            "took_over": took_over,
            "reentrant": reentrant,
            "waited": round(time.monotonic() - started, 1),
        }

    while True:
        try:
            os.mkdir(lock)
        except FileExistsError:
            current = read_owner(lock)
            if current is None:
                try:
                    age = time.time() - os.stat(lock).st_mtime
                except OSError:
                    continue  # released meanwhile
                if age > HALF_WRITTEN_SECONDS:
                    shutil.rmtree(lock, ignore_errors=True)
                    continue
            elif _same(current, owner):
                return result(True, current, reentrant=True)
            elif float(current.get("expires", 0)) < time.time() or not alive(current):
                took_over = current
                shutil.rmtree(lock, ignore_errors=True)
                continue
            if time.monotonic() >= deadline:
                return result(False, current)
            sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
            continue
        record = dict(owner, expires=time.time() + ttl)
        tmp = os.path.join(lock, "owner.json.tmp")
        with open(tmp, "w") as handle:
            json.dump(record, handle)
        os.replace(tmp, os.path.join(lock, "owner.json"))
        return result(True, record)


def release(lock: str, owner: dict[str, Any]) -> dict[str, Any]:
    """Remove ``lock`` when ``owner`` holds it; never another owner's lock."""
    current = read_owner(lock)
    if current and _same(current, owner):
        shutil.rmtree(lock, ignore_errors=True)
        return {"released": True, "owner": current}
    return {"released": False, "owner": current}


def describe(owner: Optional[dict[str, Any]]) -> str:
    """``pid 123 on host h since T`` for messages."""
    owner = owner or {}
    return "pid %s on %s since %s" % (
        owner.get("pid", "?"),
        owner.get("host", "?"),
        owner.get("since", "?"),
    )
