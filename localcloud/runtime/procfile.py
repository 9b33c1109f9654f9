"""Procfile parsing, with the rules Heroku applies to process type names."""

from __future__ import annotations

import re

_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+?)\s*$")


class ProcfileError(ValueError):
    """A Procfile line that Heroku would not accept; the message names the line."""


def parse_procfile(text: str) -> dict[str, str]:
    """`web: gunicorn app:app` lines -> {'web': 'gunicorn app:app'}, in file order."""
    types: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            raise ProcfileError(
                f"Procfile line {number} is not valid: {raw.strip()!r}. Each line must be "
                "'<process type>: <command>', the type made of letters, digits, '_' and '-'."
            )
        name, command = match.groups()
        if name in types:
            raise ProcfileError(f"Procfile line {number} declares process type {name!r} twice.")
        types[name] = command
    return types
