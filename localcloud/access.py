"""Who may use an app and the account's own settings: collaborators, SSH keys, account
features (Heroku Labs), and SNI endpoints (certificates uploaded for an app's domains).

The backend of these resources: it validates, builds and stores every record; the HTTP
handlers (localcloud.api.handlers.access) parse and render."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from typing import Any

from localcloud.errors import Invalid, NotFound
from localcloud.ids import new_id, now
from localcloud.records import account, app_ref

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FEATURE_STAMP = "2024-01-01T00:00:00Z"
ACCOUNT_FEATURES = {
    "enable-metrics-api": "Metrics for the account's apps through the API.",
    "spaces-strict-tls": "Refuse TLS below 1.2 on Private Spaces apps.",
}
KEY_TYPES = ("ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
             "ecdsa-sha2-nistp521")  # fmt: skip


# -- collaborators -------------------------------------------------------------


def _user(email: str) -> dict[str, Any]:
    return {"email": email, "federated": False,
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"localcloud:user:{email}"))}  # fmt: skip


def collaborators(store: Any, app: dict[str, Any]) -> list[dict[str, Any]]:
    """The app's owner first (Heroku lists the owner as a collaborator), then the others."""
    owner = account(store)
    own = {"app": app_ref(app), "created_at": app["created_at"], "permissions": [],
           "role": "owner", "updated_at": app["created_at"], "user": _user(owner["email"]),
           "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"localcloud:owner:{app['id']}"))}  # fmt: skip
    own["user"]["id"] = owner["id"]
    return [own, *store.list("collaborator", app["id"])]


def find_collaborator(store: Any, app: dict[str, Any], ident: str) -> dict[str, Any]:
    for collab in collaborators(store, app):
        if ident in (collab["id"], collab["user"]["email"], collab["user"]["id"]):
            return collab
    raise NotFound("collaborator")


def add_collaborator(store: Any, app: dict[str, Any], user: Any) -> dict[str, Any]:
    email = user.get("email") if isinstance(user, dict) else user
    if not isinstance(email, str) or not EMAIL_RE.match(email):
        raise Invalid('user must be an email address (or {"email": ...})')
    if any(c["user"]["email"] == email for c in collaborators(store, app)):
        raise Invalid(f"{email} is already a collaborator on {app['name']}")
    stamp = now()
    collab = {"app": app_ref(app), "created_at": stamp, "id": new_id(), "permissions": [],
              "role": "collaborator", "updated_at": stamp, "user": _user(email)}  # fmt: skip
    store.put("collaborator", collab, app["id"])
    return collab


def remove_collaborator(store: Any, app: dict[str, Any], ident: str) -> dict[str, Any]:
    collab = find_collaborator(store, app, ident)
    if collab["role"] == "owner":
        raise Invalid("the app's owner cannot be removed; transfer the app first")
    store.delete("collaborator", collab["id"])
    return collab


# -- SSH keys --------------------------------------------------------------------


def add_key(store: Any, public_key: Any) -> dict[str, Any]:
    if not isinstance(public_key, str):
        raise Invalid("public_key is required: the contents of an OpenSSH public key")
    parts = public_key.strip().split()
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        raise Invalid(f"public_key must start with one of {', '.join(KEY_TYPES)}")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except ValueError as exc:
        raise Invalid("public_key's key data is not base64") from exc
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    fingerprint = ":".join(digest[i : i + 2] for i in range(0, 32, 2))
    if store.find("key", fingerprint=fingerprint):
        raise Invalid("That key is already in use on this account.")
    stamp = now()
    key = {"comment": parts[2] if len(parts) > 2 else "", "created_at": stamp,
           "email": account(store)["email"], "fingerprint": fingerprint, "id": new_id(),
           "public_key": " ".join(parts), "updated_at": stamp}  # fmt: skip
    store.put("key", key)
    return key


def find_key(store: Any, ident: str) -> dict[str, Any]:
    for key in store.list("key"):
        if ident in (key["id"], key["fingerprint"]):
            return key
    raise NotFound("key")


def remove_key(store: Any, ident: str) -> dict[str, Any]:
    key = find_key(store, ident)
    store.delete("key", key["id"])
    return key


# -- account features --------------------------------------------------------------


def account_features(store: Any) -> list[dict[str, Any]]:
    enabled = set((store.get("account-settings", "features") or {}).get("enabled", []))
    return [_feature(name, name in enabled) for name in ACCOUNT_FEATURES]


def account_feature(store: Any, ident: str) -> dict[str, Any]:
    for feature in account_features(store):
        if ident in (feature["id"], feature["name"]):
            return feature
    raise NotFound("account-feature")


def set_account_feature(store: Any, ident: str, enabled: Any) -> dict[str, Any]:
    if not isinstance(enabled, bool):
        raise Invalid("enabled must be true or false")
    name = account_feature(store, ident)["name"]
    settings = store.get("account-settings", "features") or {"id": "features", "enabled": []}
    names = set(settings["enabled"]) - {name} | ({name} if enabled else set())
    settings["enabled"] = sorted(names)
    store.put("account-settings", settings)
    return account_feature(store, name)


def _feature(name: str, enabled: bool) -> dict[str, Any]:
    return {"created_at": FEATURE_STAMP, "description": ACCOUNT_FEATURES[name],
            "display_name": name.replace("-", " ").capitalize(),
            "doc_url": f"https://devcenter.heroku.com/articles/{name}", "enabled": enabled,
            "feedback_email": "feedback@localcloud.invalid",
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"localcloud:account-feature:{name}")),
            "name": name, "state": "beta", "updated_at": FEATURE_STAMP}  # fmt: skip
