"""App filters: `POST /filters/apps` (Heroku's CLI lists a pipeline's apps through it)."""

from __future__ import annotations

from typing import Any

from localcloud.api.errors import invalid
from localcloud.api.handlers.apps import view
from localcloud.api.routing import routes
from localcloud.api.server import Ctx


@routes.post("/filters/apps", ranges=("id", "name", "updated_at"))
def filter_apps(ctx: Ctx) -> Any:
    """The apps whose id is in `{"in": {"id": [...]}}`, as team-apps of no team."""
    ids = (ctx.body().get("in") or {}).get("id")
    if not isinstance(ids, list):
        raise invalid("in.id is required: a list of app ids")
    found = [a for a in ctx.svc.store.list("app") if a["id"] in ids]
    return [{**view(ctx, a), "joined": False, "locked": False, "team": None} for a in found]
