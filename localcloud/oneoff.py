"""One-off dynos (`POST /apps/{app}/dynos`, what `heroku run --detached` does): the command
runs once in the current release's slug with its config vars; output goes to the app's log."""

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

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None


class OneOffs:
    """Running one-off dynos per app name; finished ones leave the list, as on Heroku."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[str, dict[str, OneOff]] = {}

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
        ttl = float(body.get("time_to_live") or DEFAULT_TTL)
        svc.spawn(f"oneoff-{dyno.name}", self._run, svc, app["name"], dyno, slug_dir, proc_env, ttl)
        return dyno

    def _run(
        self, svc: Services, app_name: str, dyno: OneOff, slug_dir: Path,
        env: dict[str, str], ttl: float,
    ) -> None:  # fmt: skip
        from localcloud.runtime.procenv import reap_group, stream

        def say(line: str) -> None:
            svc.logs.emit(app_name, "heroku", dyno.name, line)

        say(f"Starting process with command `{dyno.command}`")
        try:
            dyno.proc = subprocess.Popen(
                ["bash", "-c", dyno.command], cwd=slug_dir, env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            dyno.state, dyno.updated_at = "up", now()
            say("State changed from starting to up")
            timer = threading.Timer(ttl, reap_group, args=(dyno.proc.pid,))
            timer.daemon = True
            timer.start()
            stream(dyno.proc, lambda line: svc.logs.emit(app_name, "app", dyno.name, line))
            code = dyno.proc.wait()
            timer.cancel()
            say(f"Process exited with status {code}")
        finally:
            dyno.state, dyno.updated_at = "complete", now()
            say("State changed from up to complete")
            with self._lock:
                self._running.get(app_name, {}).pop(dyno.name, None)

    def stop(self, app_name: str, dyno: OneOff) -> None:
        from localcloud.runtime.procenv import reap_group

        if dyno.proc is not None:
            reap_group(dyno.proc.pid)

    def shutdown(self) -> None:
        for dynos in list(self._running.values()):
            for dyno in list(dynos.values()):
                self.stop("", dyno)
