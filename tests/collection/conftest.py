"""Fixtures for the skillstream.heroku collection tests."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import HerokuSession

from .stub_server import StubServer


@pytest.fixture
def stub() -> Iterator[StubServer]:
    server = StubServer()
    yield server
    server.close()


# -- integration fixtures (a private localcloud from tests/conftest.py) -----------------

ACCEPT = HerokuSession.ACCEPT


class HerokuApi(HerokuSession):
    """Direct API access for setting up and checking what the modules did."""

    def json_of(self, path: str) -> Any:
        resp = self.get(path)
        resp.raise_for_status()
        return resp.json()

    def calls(self, app: str) -> dict[str, int]:
        """Requests localcloud counted for `app`, by method and path template."""
        return self.json_of("/__localcloud/stats")["by_app_path"].get(app, {})

    def add_fault(self, **spec: Any) -> None:
        self.post("/__localcloud/faults", json=spec).raise_for_status()

    def clear_faults(self) -> None:
        self.delete("/__localcloud/faults").raise_for_status()

    def wait_addon(self, app: str, addon_id: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            addon = self.json_of(f"/apps/{app}/addons/{addon_id}")
            if addon["state"] == "provisioned":
                return addon
            time.sleep(0.3)
        raise AssertionError(f"add-on {addon_id} not provisioned in {timeout}s")


@pytest.fixture(scope="session")
def heroku(localcloud) -> Iterator[HerokuApi]:
    api = HerokuApi(localcloud.api_url, localcloud.api_key)
    yield api
    api.close()


@pytest.fixture
def new_app(heroku) -> Iterator[Callable[..., str]]:
    """Create apps through the API; delete them afterwards."""
    made: list[str] = []

    def create(prefix: str = "coll", **body: Any) -> str:
        name = create_app(heroku, prefix, **body)
        made.append(name)
        return name

    yield create
    for name in made:
        heroku.delete(f"/apps/{name}")


def app_name() -> str:
    """A fresh app name that does not exist yet."""
    return f"coll-{uuid.uuid4().hex[:10]}"


def create_app(heroku: HerokuApi, prefix: str = "coll", **body: Any) -> str:
    """Create an app through the API and return its name."""
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    heroku.post("/apps", json={"name": name, **body}).raise_for_status()
    return name


def make_source(root: Path) -> Path:
    """The smallest app localcloud's Python builder accepts, with a release phase."""
    root.mkdir(parents=True, exist_ok=True)
    (root / ".python-version").write_text("3.11\n")
    (root / "requirements.txt").write_text("")
    (root / "Procfile").write_text(
        "web: python -m http.server $PORT\nrelease: echo release phase for $SOURCE_VERSION\n"
    )
    (root / "app.py").write_text("VERSION = 1\n")
    return root


@pytest.fixture
def source_app(tmp_path: Path) -> Path:
    return make_source(tmp_path / "src")
