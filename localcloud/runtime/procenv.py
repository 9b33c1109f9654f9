"""Environment and output plumbing shared by builds, the release phase and dynos."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

# Variables of the machine a build may need (pip mirrors, certificates, proxies).
_BUILD_PASSTHROUGH = (
    "HOME",
    "TMPDIR",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
)
_SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
MAX_LINE = 10_000


def slug_venv(slug_dir: Path) -> Path:
    """The virtualenv of a slug, as the buildpack lays it out (`.heroku/python`)."""
    return slug_dir / ".heroku" / "python"


def build_base_env() -> dict[str, str]:
    """The machine variables a build inherits: pip configuration and the like, nothing else."""
    env = {k: v for k, v in os.environ.items() if k.startswith("PIP_") or k in _BUILD_PASSTHROUGH}
    env.setdefault("HOME", str(Path.home()))
    env["PATH"] = _SYSTEM_PATH
    env["LANG"] = "C.UTF-8"
    return env


def process_env(
    venv: Path, env: Mapping[str, str], base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """An environment that runs `venv`'s python first, as the buildpack's profile does."""
    out: dict[str, str] = dict(base or {})
    out.setdefault("LANG", "C.UTF-8")
    out.setdefault("PYTHONUNBUFFERED", "true")
    out.setdefault("FORWARDED_ALLOW_IPS", "*")
    out.update(env)
    for key in ("PYTHONHOME", "PYTHONPATH", "__PYVENV_LAUNCHER__"):
        if key not in env:
            out.pop(key, None)
    user_path = env.get("PATH")
    out["PATH"] = f"{venv / 'bin'}:{user_path or _SYSTEM_PATH}"
    out["VIRTUAL_ENV"] = str(venv)
    return out


def stream(proc: subprocess.Popen[bytes], sink: Callable[[str], None]) -> None:
    """Send each output line of `proc` to `sink` until its stdout closes."""
    out = proc.stdout
    assert out is not None
    # Like logplex, split a line longer than 10,000 bytes instead of buffering it whole.
    for raw in iter(lambda: out.readline(MAX_LINE), b""):
        sink(raw.decode("utf-8", "replace").rstrip("\r\n"))
    out.close()


def kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    """Signal a process group, ignoring one that is already gone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def reap_group(pgid: int, timeout: float = 2.0) -> None:
    """SIGKILL a process group until no live member is left: a member forked while the
    first signal was on its way (a shell starting a background job) gets the next one."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            return
        if not _live_members(pgid) or time.monotonic() > deadline:
            return  # zombies only: they are init's to reap
        time.sleep(0.05)


def _live_members(pgid: int) -> bool:
    """Whether a process of the group is still alive (not a zombie), read from /proc."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return True
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
            return True
    return False


def run_streamed(
    argv: list[str], cwd: Path, env: Mapping[str, str], sink: Callable[[str], None], timeout: float
) -> int | None:
    """Run a command in its own process group, stream its output; None when it timed out."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    reader = threading.Thread(target=stream, args=(proc, sink), daemon=True)
    reader.start()
    try:
        code: int | None = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        code = None
        kill_group(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
    # Whatever the leader left behind in its group goes too: no orphans.
    kill_group(proc.pid)
    proc.wait()
    reap_group(proc.pid)
    reader.join(timeout=5)
    return code
