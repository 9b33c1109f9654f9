"""The localcloud daemon: one process hosting the API, the AWS proxy, the runtime and a ticker.

`python -m localcloud up` starts it detached; it runs until SIGTERM (`down`).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path

from werkzeug.serving import make_server

from localcloud import aws
from localcloud.settings import HOST, Settings

log = logging.getLogger("localcloud")


def serve(settings: Settings) -> None:
    """Run everything in the foreground until SIGTERM or SIGINT."""
    from localcloud import lifecycle
    from localcloud.api import handlers  # noqa: F401  (registers the routes)
    from localcloud.api.server import Application
    from localcloud.edge.server import start_edge
    from localcloud.mail.server import start_mail
    from localcloud.runtime.tls import ensure_ca_bundle
    from localcloud.services import Services

    settings.home.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=settings.log_file,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    moto_internal = aws.free_port()
    moto = aws.start_moto(moto_internal, settings.home / "moto.log", settings.aws_state_file)
    svc = Services(settings)
    app = Application(svc)
    svc.application = app
    proxy = aws.AwsProxy(settings.moto_port, moto_internal, svc.faults)
    server = make_server(HOST, settings.api_port, app, threaded=True)
    server.daemon_threads = True
    proxy.server.daemon_threads = True

    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threading.Thread(target=proxy.serve_forever, name="aws-proxy", daemon=True).start()
    threading.Thread(target=server.serve_forever, name="api", daemon=True).start()
    ensure_ca_bundle(settings.home / "tls")  # before the dynos start: they trust it
    svc.mail = start_mail(svc)
    lifecycle.start(svc)
    edge = start_edge(svc)
    (settings.home / "ready").write_text(str(settings.api_port))
    log.info(
        "localcloud up: api %s, aws %s (moto on %s)",
        settings.api_url,
        settings.aws_endpoint,
        moto_internal,
    )
    owner = _owner_pid()
    try:
        while not stop.wait(1):
            if owner and not _alive(owner):
                log.info("owner process %s is gone: stopping and wiping this instance", owner)
                break
    finally:
        (settings.home / "ready").unlink(missing_ok=True)
        server.shutdown()
        edge.shutdown()
        svc.mail.shutdown()
        proxy.shutdown()
        svc.shutdown()
        moto.terminate()
        try:
            moto.wait(10)
        except Exception:
            moto.kill()
        if owner and not _alive(owner):
            from localcloud.wipe import wipe

            wipe(settings)
        log.info("localcloud down")
        logging.shutdown()
        # Everything is stopped; do not wait on stray worker threads (streams, deliveries).
        os._exit(0)


def _owner_pid() -> int:
    """LOCALCLOUD_EXIT_WITH=<pid>: this instance belongs to that process (a test run) and goes
    with it, wiped, even when it was killed without a chance to say `down`."""
    return int(os.environ.get("LOCALCLOUD_EXIT_WITH") or 0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(home: str, api_port: int, moto_port: int, router_base_port: int) -> None:
    serve(Settings(Path(home), api_port, moto_port, router_base_port))
