"""Validate localcloud responses against Heroku's official Platform API hyper-schema."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_PATH = Path("/work/shared/heroku/heroku-platform-api-schema.json")
REPO_SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "heroku-platform-api-schema.json"
LOOPBACK_WEB_URL = r"^https://127\.0\.0\.1:[0-9]{2,5}/$"

# The one documented deviation: an app's web_url is its local router, not *.herokuapp.com
# (docs/contracts.md). Everything else is validated exactly as the schema says.
DEVIATIONS = {("app", "web_url"): LOOPBACK_WEB_URL}


def _strict(node: Any) -> None:
    """Hyper-schema `strictProperties: true` means no other keys: say so in JSON Schema."""
    if isinstance(node, dict):
        if node.get("strictProperties") is True and "properties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _strict(value)
    elif isinstance(node, list):
        for value in node:
            _strict(value)


def load() -> dict[str, Any]:
    path = SCHEMA_PATH if SCHEMA_PATH.exists() else REPO_SCHEMA
    root = copy.deepcopy(json.loads(path.read_text()))
    _strict(root)
    for (resource, prop), pattern in DEVIATIONS.items():
        definition = root["definitions"][resource]["definitions"][prop]
        definition["pattern"] = f"(?:{definition['pattern']})|(?:{pattern})"
    return root


def normalise(href: str) -> str:
    """`/apps/{(%23%2Fdefinitions...)}/x` and `/apps/{app}/x` both become `/apps/{}/x`."""
    return re.sub(r"\{[^}]*\}", "{}", href)


def links(root: dict[str, Any]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for name, definition in root["definitions"].items():
        for link in definition.get("links", []):
            key = (link["method"], normalise(link["href"]))
            found.setdefault(key, []).append({**link, "resource": name})
    return found


def errors(root: dict[str, Any], target: dict[str, Any], document: Any) -> list[str]:
    """Every violation of `target` (with the schema's definitions in scope) by `document`."""
    schema = {**target, "definitions": root["definitions"]}
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '<root>'}: {err.message}"
        for err in validator.iter_errors(document)
    ]
