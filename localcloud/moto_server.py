"""moto_server with its state on disk: `python -m localcloud.moto_server --state FILE -H H -p P`.

moto keeps every resource in memory. Without this, `localcloud down` then `up` (a reboot, a
newcomer's second day) kept the apps in localcloud's store but lost what they point at in
AWS: the media bucket with every uploaded video, the CDN distribution the pages name, the IAM
keys in the app's config. Now each service's backends are pickled after a change (at most
every SAVE_EVERY seconds) and when SIGTERM stops the server, and loaded at start.

cloudpickle, not pickle: some backends keep lambdas (SSM's parameter defaults); KMS keys hold
`cryptography` private keys, which go as PEM; SSM's ParameterDict is a defaultdict that
pickle cannot rebuild by its own __init__. The file is replaced atomically, so a kill in
the middle of a save leaves the previous state. A state that cannot be loaded (a moto upgrade
changed its classes) is moved aside, named in moto.log, and moto starts empty.
"""

from __future__ import annotations

import argparse
import importlib
import io
import logging
import os
import pickle
import signal
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import cloudpickle
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from moto.core.base_backend import BackendDict
from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

log = logging.getLogger("localcloud.moto_server")
SAVE_EVERY = 1.0
READS = {"GET", "HEAD", "OPTIONS"}
# moto's own control plane (seeds, the recorder) is not AWS state
SKIPPED_MODULES = ("moto.core", "moto.moto_api", "moto.utilities")


def _private_key(pem: bytes) -> Any:
    return serialization.load_pem_private_key(pem, password=None)


def _defaultdict(cls: type, factory: Any, attrs: dict, items: dict) -> defaultdict:
    made = cls.__new__(cls)
    defaultdict.__init__(made, factory)
    made.__dict__.update(attrs)
    made.update(items)
    return made


class _Pickler(cloudpickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            pem = obj.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            return _private_key, (pem,)
        if isinstance(obj, defaultdict) and type(obj) is not defaultdict:
            # a subclass whose __init__ wants more than the factory (SSM's ParameterDict)
            return _defaultdict, (type(obj), obj.default_factory, vars(obj), dict(obj))
        return super().reducer_override(obj)


def loaded_backends() -> dict[tuple[str, str], BackendDict]:
    """Every service's BackendDict imported so far (moto imports a service on its first call)."""
    found: dict[tuple[str, str], BackendDict] = {}
    seen: set[int] = set()
    for name, module in sorted(sys.modules.items()):
        if module is None or not name.startswith("moto.") or name.startswith(SKIPPED_MODULES):
            continue
        for attr, value in list(vars(module).items()):
            if isinstance(value, BackendDict) and id(value) not in seen:
                seen.add(id(value))
                found[(name, attr)] = value
    return found


def _pickled(obj: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue()


def snapshot() -> bytes:
    """Every loaded service's accounts, each pickled on its own: one service that cannot be
    pickled is named in the log and left out, the others are kept."""
    state = {}
    for (module, attr), backends in loaded_backends().items():
        # S3 also keeps which account owns each bucket name on its BackendDict itself.
        owners = dict(getattr(backends, "bucket_accounts", {}))
        try:
            state[(module, attr)] = _pickled((dict(backends), owners))
        except Exception as exc:
            log.warning("%s.%s is not kept across restarts: %s", module, attr, exc)
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


def restore(data: bytes) -> int:
    """Put a snapshot's accounts back into moto's backends; the number of services."""
    state = pickle.loads(data)  # noqa: S301 -- localcloud's own file in its home directory
    for (module, attr), pickled in state.items():
        accounts, owners = pickle.loads(pickled)  # noqa: S301 -- as above
        backends = getattr(importlib.import_module(module), attr)
        backends.update(accounts)
        if owners:
            backends.bucket_accounts.update(owners)
    return len(state)


class PersistedMoto:
    """moto's WSGI app, one request at a time (a snapshot never sees a half-made change), with
    a save after every change that is not a read."""

    def __init__(self, app: Callable, state_file: Path) -> None:
        self.app = app
        self.state_file = state_file
        self.lock = threading.Lock()
        self.saving = threading.Lock()  # one save at a time: stop waits for one under way
        self.changed = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        with self.lock:
            response = self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") not in READS:
            self.changed.set()
        return response

    def load(self) -> None:
        if not self.state_file.exists():
            return
        try:
            services = restore(self.state_file.read_bytes())
        except Exception as exc:  # any failure to unpickle: keep the file, start empty
            name = f"{self.state_file.name}.unreadable-{int(time.time())}"
            aside = self.state_file.with_name(name)
            self.state_file.rename(aside)
            log.error("could not load the AWS state (%s); moved it to %s", exc, aside)
            return
        log.info("loaded the AWS state of %d services from %s", services, self.state_file)

    def save_changes(self) -> None:
        """Write the state if anything changed since the last save (a stop after a quiet
        spell pickles nothing)."""
        with self.saving:
            if not self.changed.is_set():
                return
            with self.lock:
                self.changed.clear()
                data = snapshot()
            partial = self.state_file.with_name(self.state_file.name + ".partial")
            partial.write_bytes(data)
            os.replace(partial, self.state_file)

    def keep_saving(self) -> None:
        while self.changed.wait():
            time.sleep(SAVE_EVERY)  # one save for a burst of changes
            try:
                self.save_changes()
            except Exception:
                log.exception("could not save the AWS state")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", type=Path, required=True, help="the state file")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    os.environ.setdefault("MOTO_PORT", str(args.port))
    app = PersistedMoto(DomainDispatcherApplication(create_backend_app), args.state)
    app.load()

    def stop(_signum: int, _frame: object) -> None:
        app.save_changes()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=app.keep_saving, name="save-state", daemon=True).start()
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    # Run the importable copy of this module: cloudpickle copies functions of __main__ by
    # value (with their globals), and the reducers above must go by reference.
    from localcloud.moto_server import main as run

    run()
