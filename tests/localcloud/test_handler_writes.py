"""HTTP handlers parse, call a backend and render: every store write belongs to a backend
under localcloud/ (one home per record), never to localcloud/api/handlers/."""

from __future__ import annotations

import ast
from pathlib import Path

HANDLERS = Path(__file__).resolve().parents[2] / "localcloud" / "api" / "handlers"
WRITES = {"put", "delete", "delete_app"}


def store_writes(source: str) -> list[tuple[int, str]]:
    """(line, call) of every `<...>store.put/delete(...)` call in the source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if node.func.attr in WRITES and name == "store":
            found.append((node.lineno, ast.unparse(node.func)))
    return found


def test_the_walk_finds_each_shape_of_store_write() -> None:
    source = "ctx.svc.store.put('a', {}, 'x')\nstore.delete('a', 'x')\nctx.svc.store.get('a', 'x')"
    assert store_writes(source) == [(1, "ctx.svc.store.put"), (2, "store.delete")]


def test_no_handler_writes_to_the_store() -> None:
    writes = {
        f"{path.name}:{line} {call}"
        for path in sorted(HANDLERS.glob("*.py"))
        for line, call in store_writes(path.read_text())
    }
    assert not writes, f"handlers write records themselves; move these to a backend: {writes}"
