"""One-off dynos (`POST /apps/{app}/dynos`): the command runs once in the current release's
slug with its config vars. Detached (`heroku run:detached`), its output goes to the app's
log; attached (`heroku run`), it starts when the client connects to its `attach_url`
(localcloud.runtime.rendezvous) and its terminal is that connection."""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localcloud import releases
from localcloud.errors import Invalid
from localcloud.ids import new_id, now

if TYPE_CHECKING:
    from localcloud.services import Services

DEFAULT_TTL = 3600.0  # seconds; Heroku ends detached one-off dynos after 24 h


@dataclass
class OneOff:
    id: str
    name: str
    command: str
    size: str
    release_version: int
    created_at: str
    updated_at: str
    state: str = "starting"
    proc: subprocess.Popen | None = field(default=None, repr=False)
    type: str = "run"
    attach_url: str | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None


class OneOffs:
    """Running one-off dynos per app name; finished ones leave the list, as on Heroku."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[str, dict[str, OneOff]] = {}
        self._rendezvous: Any = None  # started with the first attached dyno

    def list(self, app_name: str) -> list[OneOff]:
        with self._lock:
            return list(self._running.get(app_name, {}).values())

    def find(self, app_name: str, ident: str) -> OneOff | None:
        return next((d for d in self.list(app_name) if ident in (d.id, d.name)), None)

    def start(self, svc: Services, app: dict[str, Any], body: dict[str, Any]) -> OneOff:
        from localcloud.runtime.procenv import process_env, slug_venv

        command = body.get("command")
        if not isinstance(command, str) or not command.strip():
            raise Invalid("command is required")
        extra = body.get("env") or {}
        if not isinstance(extra, dict):
            raise Invalid("env must be an object of strings")
        rel = releases.current(svc, app["id"])
        slug = svc.store.get("slug", rel["slug"]["id"]) if rel and rel["slug"] else None
        if slug is None:
            raise Invalid("The app has no release with a slug yet.")
        number = svc.store.next_value(f"run:{app['id']}")
        stamp = now()
        dyno = OneOff(
            id=new_id(), name=f"run.{number}", command=command,
            size=str(body.get("size") or "Basic"), release_version=rel["version"],
            created_at=stamp, updated_at=stamp,
        )  # fmt: skip
        env = {**releases.dyno_env(svc, app, rel), **{k: str(v) for k, v in extra.items()}}
        env.update(DYNO=dyno.name, PORT=str(6000 + number % 1000), HEROKU_DYNO_ID=dyno.id)
        slug_dir = Path(slug["_dir"])
        proc_env = process_env(slug_venv(slug_dir), {"HOME": str(slug_dir), **env})
        with self._lock:
            self._running.setdefault(app["name"], {})[dyno.name] = dyno
        if body.get("attach"):
            self._expect(svc, app["name"], dyno, slug_dir, proc_env)
            return dyno
        ttl = float(body.get("time_to_live") or DEFAULT_TTL)
        svc.spawn(f"oneoff-{dyno.name}", self._run, svc, app["name"], dyno, slug_dir, proc_env, ttl)
        return dyno

    def _expect(
        self, svc: Services, app_name: str, dyno: OneOff, slug_dir: Path, env: dict[str, str]
    ) -> None:
        """Give the dyno an `attach_url`; its process starts when a client connects there."""
        from localcloud.runtime.procenv import reap_group
        from localcloud.runtime.rendezvous import CLAIM_TIMEOUT, Rendezvous

        def launch() -> subprocess.Popen:
            return self._launch(svc, app_name, dyno, slug_dir, env, subprocess.PIPE)

        def done(code: int | None) -> None:
            if dyno.proc is not None and dyno.proc.poll() is None:
                reap_group(dyno.proc.pid)  # the client went away: so does the dyno
            self._finish(svc, app_name, dyno, code)

        with self._lock:
            if self._rendezvous is None:
                self._rendezvous = Rendezvous(svc.settings.home / "tls")
            rendezvous = self._rendezvous
        dyno.attach_url = rendezvous.expect(launch, done)

        def unclaimed() -> None:  # nobody attached in time: the dyno ends, as on Heroku
            if rendezvous.forget(dyno.attach_url or "") is not None:
                done(None)

        timer = threading.Timer(CLAIM_TIMEOUT, unclaimed)
        timer.daemon = True
        timer.start()

    def _run(
        self, svc: Services, app_name: str, dyno: OneOff, slug_dir: Path,
        env: dict[str, str], ttl: float,
    ) -> None:  # fmt: skip
        from localcloud.runtime.procenv import reap_group, stream

        code: int | None = None
        try:
            proc = self._launch(svc, app_name, dyno, slug_dir, env, subprocess.DEVNULL)
            timer = threading.Timer(ttl, reap_group, args=(proc.pid,))
            timer.daemon = True
            timer.start()
            stream(proc, lambda line: svc.logs.emit(app_name, "app", dyno.name, line))
            code = proc.wait()
            timer.cancel()
        finally:
            self._finish(svc, app_name, dyno, code)

    @staticmethod
    def _launch(
        svc: Services, app_name: str, dyno: OneOff, slug_dir: Path, env: dict[str, str],
        stdin: int,
    ) -> subprocess.Popen:  # fmt: skip
        svc.logs.emit(
            app_name, "heroku", dyno.name, f"Starting process with command `{dyno.command}`"
        )
        dyno.proc = subprocess.Popen(
            ["bash", "-c", dyno.command], cwd=slug_dir, env=env, stdin=stdin,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        # In the pid file the formation's dynos are in, so a localcloud that died hard reaps
        # one-off dynos at its next start too.
        svc.dynos.pidfile.add(dyno.proc.pid)
        dyno.state, dyno.updated_at = "up", now()
        svc.logs.emit(app_name, "heroku", dyno.name, "State changed from starting to up")
        return dyno.proc

    def _finish(self, svc: Services, app_name: str, dyno: OneOff, code: int | None) -> None:
        if dyno.proc is not None:
            svc.dynos.pidfile.remove(dyno.proc.pid)
        if code is not None:
            svc.logs.emit(app_name, "heroku", dyno.name, f"Process exited with status {code}")
        dyno.state, dyno.updated_at = "complete", now()
        svc.logs.emit(app_name, "heroku", dyno.name, "State changed from up to complete")
        with self._lock:
            self._running.get(app_name, {}).pop(dyno.name, None)

    def stop(self, app_name: str, dyno: OneOff) -> None:
        from localcloud.runtime.procenv import reap_group

        if dyno.proc is not None:
            reap_group(dyno.proc.pid)

    def shutdown(self) -> None:
        if self._rendezvous is not None:
            self._rendezvous.close()
        for dynos in list(self._running.values()):
            for dyno in list(dynos.values()):
                self.stop("", dyno)
