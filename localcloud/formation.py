"""An app's formation: how many dynos of each process type run, and at what size.

The backend of formation: it validates and stores every change, then redeploys once; the
HTTP handlers (localcloud.api.handlers.formation) parse and render."""

from __future__ import annotations

from typing import Any

from localcloud import releases
from localcloud.errors import Invalid, NotFound
from localcloud.ids import now

SIZES = {
    "eco": "Eco", "basic": "Basic", "standard-1x": "Standard-1X", "standard-2x": "Standard-2X",
    "performance-m": "Performance-M", "performance-l": "Performance-L",
}  # fmt: skip
MAX_QUANTITY = 10


def find(store: Any, app: dict[str, Any], ident: str) -> dict[str, Any]:
    for entry in store.list("formation", app["id"]):
        if ident in (entry["id"], entry["type"]):
            return entry
    raise NotFound("formation")


def apply(svc: Any, app: dict[str, Any], updates: list[Any]) -> list[dict[str, Any]]:
    """Validate every update first, then apply all of them and redeploy once."""
    planned = []
    for update in updates:
        if not isinstance(update, dict):
            raise Invalid("each update is an object")
        ident = update.get("type") or update.get("id")
        if not ident:
            raise Invalid("type is required in each update")
        entry = find(svc.store, app, ident)
        quantity = update.get("quantity", entry["quantity"])
        if isinstance(quantity, str) and quantity.isdigit():
            quantity = int(quantity)
        if not isinstance(quantity, int) or not 0 <= quantity <= MAX_QUANTITY:
            raise Invalid(f"quantity must be an integer between 0 and {MAX_QUANTITY}")
        size = update.get("size") or update.get("dyno_size", {}).get("name") or entry["size"]
        canonical = SIZES.get(str(size).lower())
        if canonical is None:
            raise Invalid(f"Invalid dyno size: {size}")
        planned.append((entry, quantity, canonical))
    changed = []
    stamp = now()
    with svc.app_lock(app["id"]):
        for entry, quantity, size in planned:
            if entry["quantity"] != quantity or entry["size"] != size:
                entry.update(quantity=quantity, size=size, updated_at=stamp)
                entry["dyno_size"] = releases.dyno_size(size)
                svc.store.put("formation", entry, app["id"])
            changed.append(entry)
    releases.redeploy(svc, app)
    return changed
