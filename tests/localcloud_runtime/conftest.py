"""Fixtures for the runtime tests: a tiny WSGI app, built once per session with a shared cache."""

from __future__ import annotations

import io
import os
import sys
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))  # `.venv/bin/pytest` does not put the repo root on sys.path
import localcloud  # noqa: E402 - may be tests/localcloud, which shadows the product package

if str(REPO / "localcloud") not in list(localcloud.__path__):
    localcloud.__path__.append(str(REPO / "localcloud"))  # so localcloud.runtime resolves

from localcloud.runtime.builder import BuildResult, build_slug  # noqa: E402
from localcloud.runtime.logs import LogHub  # noqa: E402

APP_PY = """\
import os
import time


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/sleep":
        time.sleep(float(environ.get("QUERY_STRING") or "1"))
    if path == "/echo":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size) if size else environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [body]
    if path == "/conn":  # which TCP connection from the router carried this request
        body = f"{environ.get('REMOTE_PORT')}".encode()
        start_response("200 OK", [("Content-Type", "text/plain"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    if path == "/big":
        chunk = b"x" * 65536
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return (chunk for _ in range(int(environ.get("QUERY_STRING") or "16")))
    if path == "/env":
        names = ("DYNO", "PORT", "GREETING", "WEB_CONCURRENCY", "HEROKU_DYNO_ID", "HOME",
                 "PYTHONUNBUFFERED", "VIRTUAL_ENV")
        body = "\\n".join(f"{n}={os.environ.get(n, '')}" for n in names).encode()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]
    if path == "/headers":
        lines = [f"{k}={v}" for k, v in sorted(environ.items()) if k.startswith("HTTP_")]
        body = "\\n".join(lines).encode()
    else:
        body = (f"{os.environ.get('GREETING', 'hello')} from {os.environ.get('DYNO')} "
                f"pid={os.getpid()}\\n").encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
"""

PROCFILE = (
    "web: gunicorn app:app --bind 127.0.0.1:$PORT --workers 2 --graceful-timeout 5\n"
    "worker: python -c 'import time; print(\"worker up\", flush=True); time.sleep(3600)'\n"
    "release: echo release ran with $GREETING\n"
)

APP_FILES = {
    "app.py": APP_PY,
    "requirements.txt": "gunicorn\n",
    ".python-version": "3.11\n",
    "Procfile": PROCFILE,
}


def make_tarball(dest: Path, files: dict[str, str], top: str | None = None) -> Path:
    """A gzip tarball of `files` (optionally under one top-level directory)."""
    with tarfile.open(dest, "w:gz") as tar:
        for name, text in sorted(files.items()):
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{name}" if top else name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return dest


@pytest.fixture(scope="session")
def build_cache() -> Path:
    """Kept between runs (like Heroku's build cache): only the first run downloads gunicorn."""
    path = Path(os.environ.get("LOCALCLOUD_TEST_BUILD_CACHE", REPO / "tests/artifacts/build-cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def slugs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("slugs")


@pytest.fixture(scope="session")
def built_app(
    tmp_path_factory: pytest.TempPathFactory, build_cache: Path, slugs_dir: Path
) -> BuildResult:
    tarball = make_tarball(tmp_path_factory.mktemp("src") / "app.tgz", APP_FILES)
    return build_slug(tarball, None, {}, build_cache, slugs_dir, "app-v1", lambda _l: None)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[LogHub]:
    logs = LogHub(tmp_path)
    yield logs
    logs.close()


class Receiver:
    """A tiny HTTP server that records every POST (log drains, webhooks)."""

    def __init__(self, status: int = 200, delay: float = 0.0) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.arrived = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if delay:
                    threading.Event().wait(delay)
                with outer.arrived:
                    outer.requests.append((dict(self.headers.items()), body))
                    outer.arrived.notify_all()
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.status = status
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/drain"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, predicate, timeout: float = 10.0) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: predicate(self.requests), timeout=timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.close()
