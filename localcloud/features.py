"""App features (Heroku Labs: preboot, runtime-dyno-metadata, ...), kept on the app record
as `_features`.

The backend of app features: it knows which exist and turns them on and off; the HTTP
handlers (localcloud.api.handlers.features) parse and render."""

from __future__ import annotations

import uuid
from typing import Any

from localcloud import releases
from localcloud.errors import NotFound

STAMP = "2024-01-01T00:00:00Z"
FEATURES = {
    "preboot": "Provide seamless web dyno deploys: new dynos start before old ones stop.",
    "runtime-dyno-metadata": "Dynos get HEROKU_APP_ID, HEROKU_RELEASE_VERSION and friends.",
    "log-runtime-metrics": "Emit dyno memory and CPU metrics to the logs.",
    "runtime-heroku-metrics": "Collect language runtime metrics.",
    "http-session-affinity": "Route a client's requests to the same web dyno.",
    "spaces-dns-discovery": "DNS service discovery between dynos (Private Spaces).",
}


def feature_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"localcloud:feature:{name}"))


def name_of(ident: str) -> str:
    for name in FEATURES:
        if ident in (name, feature_id(name)):
            return name
    raise NotFound("feature")


def set_enabled(svc: Any, ident: str, name: str, enabled: bool) -> dict[str, Any]:
    """Turn the feature on or off for the app; the app record as it is now."""
    doc = svc.find_app(ident)
    with svc.app_lock(doc["id"]):
        doc = svc.find_app(ident)
        current = set(doc.get("_features") or [])
        before = name in current
        (current.add if enabled else current.discard)(name)
        doc["_features"] = sorted(current)
        svc.store.put("app", doc, doc["id"])
    if before != enabled and name == "runtime-dyno-metadata":
        releases.redeploy(svc, doc)  # dynos get (or lose) the metadata variables
    return doc
