"""Fixtures for the skillstream.heroku collection tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = ROOT / "collections"
sys.path.insert(0, str(COLLECTIONS))

from .stub_server import StubServer  # noqa: E402


@pytest.fixture
def stub() -> Iterator[StubServer]:
    server = StubServer()
    yield server
    server.close()
