"""State in SQLite: one table of JSON documents by kind, plus small counters.

Documents keep the API's own field names, so handlers read and write plain dicts and a
restart (`down` then `up`) finds everything as it was.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    app_id TEXT,
    seq INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS docs_app ON docs (kind, app_id, seq);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Store:
    """A thread-safe document store; every call is its own transaction unless in `tx()`."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def tx(self) -> Iterator[Store]:
        """Group several calls into one atomic step (reentrant)."""
        with self._lock:
            if self._depth == 0:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("COMMIT")

    def put(self, kind: str, doc: dict[str, Any], app_id: str | None = None) -> dict[str, Any]:
        with self.tx():
            row = self._db.execute(
                "SELECT seq FROM docs WHERE kind=? AND id=?", (kind, doc["id"])
            ).fetchone()
            seq = row[0] if row else time.time_ns()
            self._db.execute(
                "INSERT OR REPLACE INTO docs (kind, id, app_id, seq, data) VALUES (?,?,?,?,?)",
                (kind, doc["id"], app_id, seq, json.dumps(doc)),
            )
        return doc

    def get(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM docs WHERE kind=? AND id=?", (kind, doc_id)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def list(self, kind: str, app_id: str | None = None) -> list[dict[str, Any]]:
        """Documents of a kind in creation order, optionally those of one app."""
        with self._lock:
            if app_id is None:
                rows = self._db.execute(
                    "SELECT data FROM docs WHERE kind=? ORDER BY seq", (kind,)
                ).fetchall()
            else:
                rows = self._db.execute(
                    "SELECT data FROM docs WHERE kind=? AND app_id=? ORDER BY seq",
                    (kind, app_id),
                ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def find(self, kind: str, app_id: str | None = None, **match: Any) -> dict[str, Any] | None:
        for doc in self.list(kind, app_id):
            if all(doc.get(k) == v for k, v in match.items()):
                return doc
        return None

    def delete(self, kind: str, doc_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM docs WHERE kind=? AND id=?", (kind, doc_id))

    def delete_app(self, app_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM docs WHERE app_id=?", (app_id,))

    def next_value(self, name: str, start: int = 1) -> int:
        """An increasing counter (release versions, backup numbers, router ports)."""
        with self.tx():
            row = self._db.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()
            value = row[0] + 1 if row else start
            self._db.execute(
                "INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)", (name, value)
            )
        return value

    def close(self) -> None:
        with self._lock:
            self._db.close()
