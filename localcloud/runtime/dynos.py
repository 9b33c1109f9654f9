"""The dyno manager: runs each release's processes, restarts crashed ones, preboots web.

Every dyno is a `bash -c <command>` in its own process group, supervised by one thread
that owns the process: it starts it, decides when it is `up`, restarts it after a crash
(immediately, then with a growing backoff capped at 20 s) and stops it (SIGTERM to the
group, SIGKILL after the grace period). Process ids are also written to
`<home>/dynos/pids.json`, so a localcloud that died hard cleans up after itself.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import metrics
from .logs import LogHub
from .procenv import kill_group, process_env, reap_group, slug_venv, stream

STOP_GRACE = 10.0  # Heroku gives 30 s between SIGTERM and SIGKILL; localcloud is briefer
BACKOFF_CAP = 20.0
UP_AFTER = 2.0  # a non-web dyno counts as up after running this long
BOOT_TIMEOUT = 60.0  # R10: a web dyno must bind $PORT within this time
STABLE_AFTER = 60.0  # a dyno that ran this long resets its crash backoff
PREBOOT_TIMEOUT = 180.0  # Heroku switches to the new dynos after 3 minutes regardless
DRAIN_DELAY = 1.0  # old web dynos finish requests routed just before the switch
MEMORY_CHECK = 5.0  # seconds between memory checks of a dyno
METRICS_EVERY = 20.0  # log-runtime-metrics samples, as often as Heroku writes them
WEB_CONCURRENCY = {"eco": 2, "basic": 2, "standard-1x": 2, "standard-2x": 4}


@dataclass
class ProcessSpec:
    type: str
    command: str
    quantity: int
    size: str


@dataclass
class ReleaseSpec:
    app_name: str
    app_id: str
    version: int
    slug_dir: Path
    env: dict[str, str]
    processes: list[ProcessSpec]
    preboot: bool
    runtime_metrics: bool = False  # the app's `log-runtime-metrics` feature


@dataclass
class DynoInfo:
    id: str
    name: str
    type: str
    state: str
    release_version: int
    command: str
    size: str
    created_at: str
    updated_at: str
    port: int | None
    pid: int | None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _set_pdeathsig() -> None:
    """In the child: die with the supervising thread (Linux), so a crash leaves no orphans."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _exit_status(code: int) -> int:
    return 128 - code if code < 0 else code


class _PidFile:
    """Process groups this manager started, so the next start can reap leftovers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.pids: dict[int, float] = {}

    def reap_leftovers(self) -> None:
        try:
            stale = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return
        try:
            import psutil
        except ImportError:  # without psutil a pid cannot be told from a reused one
            return
        for pid, started in stale.items():
            with contextlib.suppress(psutil.Error):
                if abs(psutil.Process(int(pid)).create_time() - started) < 1:
                    kill_group(int(pid))
        self._write()

    def add(self, pid: int) -> None:
        started = time.time()
        with contextlib.suppress(Exception):
            import psutil

            started = psutil.Process(pid).create_time()
        with self.lock:
            self.pids[pid] = started
            self._write()

    def remove(self, pid: int) -> None:
        with self.lock:
            self.pids.pop(pid, None)
            self._write()

    def _write(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({str(p): t for p, t in self.pids.items()}))
        tmp.replace(self.path)


class _Ports:
    """Free loopback ports, never handed to two live dynos at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.taken: set[int] = set()

    def take(self) -> int:
        with self.lock:
            while True:
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", 0))
                    port = sock.getsockname()[1]
                if port not in self.taken:
                    self.taken.add(port)
                    return port

    def give_back(self, port: int | None) -> None:
        with self.lock:
            self.taken.discard(port or 0)


class _Dyno:
    """One dyno and the thread that supervises its process."""

    def __init__(
        self,
        manager: DynoManager,
        spec: ReleaseSpec,
        proc_spec: ProcessSpec,
        name: str,
    ) -> None:
        self.manager = manager
        self.exit_code: int | None = None
        self.app_name = spec.app_name
        self.spec = spec
        self.id = str(uuid.uuid4())
        self.name = name
        self.type = proc_spec.type
        self.command = proc_spec.command
        self.size = proc_spec.size
        self.release_version = spec.version
        self.created_at = self.updated_at = _now()
        self.state = "starting"
        self.port: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()
        self.up = threading.Event()
        self.next_sample = 0.0
        self.thread = threading.Thread(target=self._supervise, name=f"dyno-{name}", daemon=True)

    # -- control (any thread) -------------------------------------------------------------
    def start(self) -> None:
        with self.manager._lock:  # never start once shutdown() has begun
            if not self.manager._closed:
                self.manager._live.add(self)
                self.thread.start()

    def request_stop(self) -> None:
        self.stopping.set()

    def join(self) -> None:
        if self.thread.is_alive():
            self.thread.join()
        elif self.thread.ident is None:
            self.state = "down"  # never started

    def crash(self) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            kill_group(proc.pid, signal.SIGKILL)

    def same_as(self, spec: ReleaseSpec, proc_spec: ProcessSpec) -> bool:
        return (
            self.release_version == spec.version
            and self.command == proc_spec.command
            and self.size == proc_spec.size
            and self.spec.env == spec.env
            and self.spec.slug_dir == spec.slug_dir
        )

    def info(self) -> DynoInfo:
        proc = self.proc
        return DynoInfo(
            self.id,
            self.name,
            self.type,
            self.state,
            self.release_version,
            self.command,
            self.size,
            self.created_at,
            self.updated_at,
            self.port,
            proc.pid if proc is not None and proc.poll() is None else None,
        )

    # -- the supervisor thread ------------------------------------------------------------
    def _say(self, line: str) -> None:
        self.manager.logs.emit(self.app_name, "heroku", self.name, line)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self._say(f"State changed from {self.state} to {state}")
            self.state = state
            self.updated_at = _now()

    def _supervise(self) -> None:
        try:
            self._supervise_loop()
        finally:
            self._set_state("down")
            with self.manager._lock:
                self.manager._live.discard(self)

    def _supervise_loop(self) -> None:
        crashes = 0
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                code = self._run_once()
            except OSError as exc:  # the slug is gone, bash is missing ...
                self._say(f"Error starting process: {exc}")
                code = 127
            self.exit_code = code
            if self.stopping.is_set():
                break
            crashes = 1 if time.monotonic() - started > STABLE_AFTER else crashes + 1
            self._set_state("crashed")
            self.up.clear()
            delay = 0.0 if crashes == 1 else min(BACKOFF_CAP, 2.0 ** (crashes - 2))
            if delay:
                self._say(f"Process exited with status {code}; restarting in {delay:g} s")
            if self.stopping.wait(delay):
                break
            self._set_state("starting")

    def _run_once(self) -> int:
        """Start the process, watch it until it exits, return Heroku's exit status."""
        mgr = self.manager
        env = {"HOME": str(self.spec.slug_dir), **self.spec.env, "DYNO": self.name}
        if self.type == "web":
            self.port = mgr.ports.take()
            env["PORT"] = str(self.port)
        if "HEROKU_APP_ID" in self.spec.env:  # runtime-dyno-metadata is on
            env["HEROKU_DYNO_ID"] = self.id
        env.setdefault("WEB_CONCURRENCY", str(WEB_CONCURRENCY.get(self.size.lower(), 2)))
        # Each dyno has its own runtime dir (gunicorn's control socket, temp files).
        scratch = mgr.run_dir / self.id
        scratch.mkdir(parents=True, exist_ok=True)
        env.setdefault("XDG_RUNTIME_DIR", str(scratch))
        env.setdefault("TMPDIR", str(scratch))
        if mgr.ca_bundle.is_file():
            # The dyno's trust store: the usual CAs plus localcloud's, which signs what its
            # add-ons serve over TLS (the mail add-on's STARTTLS), as a Heroku dyno trusts its
            # providers' public certificates.
            env.setdefault("SSL_CERT_FILE", str(mgr.ca_bundle))
        self._say(f"Starting process with command `{self.command}`")
        try:
            proc = subprocess.Popen(
                ["bash", "-c", self.command],
                cwd=self.spec.slug_dir,
                env=process_env(slug_venv(self.spec.slug_dir), env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_set_pdeathsig,
            )
        except OSError:
            mgr.ports.give_back(self.port)
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        self.proc = proc
        mgr.pidfile.add(proc.pid)
        reader = threading.Thread(
            target=stream,
            name=f"out-{self.name}",
            daemon=True,
            args=(proc, lambda line: mgr.logs.emit(self.app_name, "app", self.name, line)),
        )
        reader.start()
        try:
            self._watch(proc)
            code = _exit_status(proc.wait())
        finally:
            reap_group(proc.pid)  # whatever the process left in its group
            reader.join(timeout=5)
            mgr.pidfile.remove(proc.pid)
            mgr.ports.give_back(self.port)
            shutil.rmtree(scratch, ignore_errors=True)
        self._say(f"Process exited with status {code}")
        return code

    def _watch(self, proc: subprocess.Popen[bytes]) -> None:
        launched = time.monotonic()
        next_check = launched + 1.0
        while proc.poll() is None:
            if self.stopping.is_set():
                self._terminate(proc)
                return
            if self.state == "starting":
                age = time.monotonic() - launched
                if self._ready(age):
                    self._set_state("up")
                    self.up.set()
                elif self.type == "web" and age > BOOT_TIMEOUT:
                    self._say(
                        f"Error R10 (Boot timeout) -> Web process failed to bind to "
                        f"$PORT within {BOOT_TIMEOUT:g} seconds of launch"
                    )
                    self._say("Stopping process with SIGKILL")
                    kill_group(proc.pid)
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + MEMORY_CHECK
                self._check_memory(proc)
            self.stopping.wait(0.05 if self.state == "starting" else 0.2)

    def _check_memory(self, proc: subprocess.Popen[bytes]) -> None:
        """R14 over the size's quota, R15 (killed) far over it; samples when asked."""
        usage = metrics.group_memory(proc.pid)
        if usage is None:
            return
        rss, swap = usage
        quota = metrics.quota_mb(self.size)
        now = time.monotonic()
        if self.spec.runtime_metrics and now >= self.next_sample:
            self.next_sample = now + METRICS_EVERY
            self._say(metrics.load_sample(self.name, self.id))
            self._say(metrics.memory_sample(self.name, self.id, rss, swap, quota))
        if rss > quota * metrics.VASTLY:
            self._say(f"Process running mem={rss:.0f}M({rss / quota * 100:.1f}%)")
            self._say("Error R15 (Memory quota vastly exceeded)")
            self._say("Stopping process with SIGKILL")
            kill_group(proc.pid)
        elif rss > quota:
            self._say(f"Process running mem={rss:.0f}M({rss / quota * 100:.1f}%)")
            self._say("Error R14 (Memory quota exceeded)")

    def _ready(self, age: float) -> bool:
        if self.type != "web":
            return age >= UP_AFTER
        try:
            with socket.create_connection(("127.0.0.1", self.port or 0), timeout=0.5):
                return True
        except OSError:
            return False

    def _terminate(self, proc: subprocess.Popen[bytes]) -> None:
        self._say("Stopping all processes with SIGTERM")
        kill_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            self._say(
                f"Error R12 (Exit timeout) -> At least one process failed to exit "
                f"within {STOP_GRACE:g} seconds of SIGTERM"
            )
            self._say("Stopping remaining processes with SIGKILL")
            kill_group(proc.pid)


@dataclass
class _App:
    spec: ReleaseSpec | None = None
    dynos: dict[str, _Dyno] = field(default_factory=dict)
    routing: list[_Dyno] | None = None  # during a preboot: the web dynos still serving
    deploy_lock: threading.Lock = field(default_factory=threading.Lock)


class DynoManager:
    """Runs the formation of every app; every public method is thread-safe."""

    def __init__(self, home: Path, logs: LogHub) -> None:
        self.logs = logs
        self.ports = _Ports()
        state_dir = Path(home) / "dynos"
        state_dir.mkdir(parents=True, exist_ok=True)
        self.pidfile = _PidFile(state_dir / "pids.json")
        self.pidfile.reap_leftovers()
        self.run_dir = state_dir / "run"
        shutil.rmtree(self.run_dir, ignore_errors=True)
        self.ca_bundle = Path(home) / "tls" / "ca-bundle.pem"
        self._lock = threading.Lock()
        self._apps: dict[str, _App] = {}
        self._live: set[_Dyno] = set()  # every started dyno until its supervisor ends
        self._closed = False

    def _app(self, app_name: str) -> _App:
        with self._lock:
            if self._closed:
                raise RuntimeError("the dyno manager is shut down")
            return self._apps.setdefault(app_name, _App())

    # -- releases and formation -----------------------------------------------------------
    def deploy(self, spec: ReleaseSpec) -> None:
        """Run `spec`: replace what changed, keep dynos of this release that are still wanted.

        With `preboot`, new web dynos start first and take traffic once they accept
        connections; only then are the old ones stopped, so no request fails. The other
        process types restart at once, as without preboot.
        """
        app = self._app(spec.app_name)
        with app.deploy_lock:
            wanted = {
                f"{p.type}.{n}": p
                for p in spec.processes
                if p.quantity > 0
                for n in range(1, p.quantity + 1)
            }
            with self._lock:
                current = dict(app.dynos)
            keep = {
                name: d
                for name, d in current.items()
                if name in wanted and d.same_as(spec, wanted[name])
            }
            retire = [d for name, d in current.items() if name not in keep]
            fresh = [_Dyno(self, spec, p, name) for name, p in wanted.items() if name not in keep]
            old_web = [d for d in retire if d.type == "web" and d.state == "up"]
            new_web = [d for d in fresh if d.type == "web"]
            if spec.preboot and old_web and new_web:
                self._preboot(app, spec, keep, retire, fresh)
            else:
                self._stop_all(retire)
                with self._lock:
                    app.dynos = {**keep, **{d.name: d for d in fresh}}
                    app.spec = spec
                for dyno in fresh:
                    dyno.start()

    def _preboot(
        self,
        app: _App,
        spec: ReleaseSpec,
        keep: dict[str, _Dyno],
        retire: list[_Dyno],
        fresh: list[_Dyno],
    ) -> None:
        old_web = [d for d in retire if d.type == "web"]
        old_other = [d for d in retire if d.type != "web"]
        new_web = [d for d in fresh if d.type == "web"]
        new_other = [d for d in fresh if d.type != "web"]
        with self._lock:
            app.routing = [d for d in app.dynos.values() if d.type == "web"]
            app.dynos = {**keep, **{d.name: d for d in new_web}, **{d.name: d for d in old_other}}
            app.spec = spec
        for dyno in new_web:
            dyno.start()

        # Preboot is about web dynos only: the other process types restart at once, as they
        # would without it, while the new web dynos boot (a worker's slow shutdown never
        # holds up the switch of the web traffic).
        def restart_others() -> None:
            self._stop_all(old_other)
            with self._lock:
                for dyno in old_other:
                    if app.dynos.get(dyno.name) is dyno:
                        del app.dynos[dyno.name]
                app.dynos.update({d.name: d for d in new_other})
            for dyno in new_other:
                dyno.start()

        others = threading.Thread(target=restart_others, name=f"restart-{spec.app_name}")
        others.start()
        deadline = time.monotonic() + PREBOOT_TIMEOUT
        for dyno in new_web:
            dyno.up.wait(max(0.0, deadline - time.monotonic()))
        if not all(d.up.is_set() for d in new_web):
            self.logs.emit(
                spec.app_name,
                "heroku",
                "api",
                "Preboot: new web dynos did not come up in time; switching anyway",
            )
        with self._lock:
            app.routing = None
        time.sleep(DRAIN_DELAY)
        self._stop_all(old_web)
        others.join()

    @staticmethod
    def _stop_all(dynos: list[_Dyno]) -> None:
        for dyno in dynos:
            dyno.request_stop()
        for dyno in dynos:
            dyno.join()

    def restart(self, app_name: str, dyno_name: str | None = None) -> None:
        """Restart every dyno, one process type (`web`) or one dyno (`web.1`). (One-off dynos
        are localcloud.oneoff's.)"""
        app = self._app(app_name)
        with app.deploy_lock:
            with self._lock:
                targets = [
                    d
                    for d in app.dynos.values()
                    if dyno_name is None or dyno_name in (d.name, d.type)
                ]
            for dyno in targets:
                dyno._say("Restarting")
            self._stop_all(targets)
            fresh = [
                _Dyno(self, d.spec, ProcessSpec(d.type, d.command, 1, d.size), d.name)
                for d in targets
            ]
            with self._lock:
                app.dynos.update({d.name: d for d in fresh})
            for dyno in fresh:
                dyno.start()

    def kill(self, app_name: str, dyno_name: str) -> None:
        """SIGKILL a dyno's processes, as a crash would; its supervisor restarts it."""
        with self._lock:
            app = self._apps.get(app_name, _App())
            dyno = app.dynos.get(dyno_name)
        if dyno is None:
            raise KeyError(f"{app_name} has no dyno {dyno_name}")
        dyno.crash()

    def stop_app(self, app_name: str) -> None:
        """Stop every dyno of the app and forget it (scaled to zero, or destroyed)."""
        with self._lock:
            app = self._apps.get(app_name)
        if app is None:
            return
        with app.deploy_lock:
            with self._lock:
                dynos = list(app.dynos.values())
                app.dynos = {}
                app.routing = None
            self._stop_all(dynos)
            with self._lock:
                if self._apps.get(app_name) is app:
                    del self._apps[app_name]

    # -- reading --------------------------------------------------------------------------
    def dynos(self, app_name: str) -> list[DynoInfo]:
        with self._lock:
            app = self._apps.get(app_name)
            dynos = list(app.dynos.values()) if app else []

        def order(d: _Dyno) -> tuple[str, int]:
            kind, _, num = d.name.partition(".")
            return kind, int(num) if num.isdigit() else 0

        return [d.info() for d in sorted(dynos, key=order)]

    def web_backends(self, app_name: str) -> list[tuple[str, int]]:
        """(dyno name, port) of the web dynos that take requests right now."""
        with self._lock:
            app = self._apps.get(app_name)
            if app is None:
                return []
            pool = app.routing if app.routing is not None else list(app.dynos.values())
        return [
            (d.name, d.port)
            for d in pool
            if d.type == "web" and d.state == "up" and d.port is not None
        ]

    def web_state(self, app_name: str) -> str:
        """'up', 'starting', 'crashed' or 'none': what the router tells a waiting request."""
        with self._lock:
            app = self._apps.get(app_name)
            webs = [d for d in app.dynos.values() if d.type == "web"] if app else []
        states = {d.state for d in webs}
        for state in ("up", "starting", "crashed"):
            if state in states:
                return state
        return "none"

    def wait_up(self, app_name: str, timeout: float = 60.0) -> bool:
        """Wait until every dyno of the app is up; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                app = self._apps.get(app_name)
                dynos = list(app.dynos.values()) if app else []
            if all(d.state == "up" for d in dynos):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def shutdown(self) -> None:
        """Stop every dyno of every app; nothing outlives this call."""
        with self._lock:
            self._closed = True
            self._apps = {}
            live = list(self._live)
        self._stop_all(live)
