"""Shapes shared by handlers: references, the account, public views of stored documents."""

from __future__ import annotations

from typing import Any

from localcloud.ids import new_id, now

REGIONS = {
    "us": {"id": "59accabd-516d-4f0e-83e6-6e3757701145", "name": "us"},
    "eu": {"id": "ed30241c-ed8c-4bb6-9714-61953675d0b4", "name": "eu"},
}
STACKS = {
    "heroku-24": {"id": "3e5ffeb9-c327-4aa7-a1a3-bb7ee6b43f86", "name": "heroku-24"},
    "heroku-22": {"id": "74cfe988-7527-4ca4-a45e-a2f22a9b4d25", "name": "heroku-22"},
}
DEFAULT_STACK = "heroku-24"


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document without its private (`_`-prefixed) fields."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def app_ref(app: dict[str, Any]) -> dict[str, str]:
    return {"id": app["id"], "name": app["name"]}


def account(store: Any) -> dict[str, Any]:
    """The one account of this localcloud, created on first use."""
    doc = store.get("account", "me")
    if doc is None:
        stamp = now()
        doc = store.put(
            "account",
            {
                "id": "me",
                "_id": new_id(),
                "email": "developer@localcloud.invalid",
                "name": "localcloud developer",
                "created_at": stamp,
                "updated_at": stamp,
            },
        )
    return {
        "allow_tracking": False,
        "beta": False,
        "created_at": doc["created_at"],
        "email": doc["email"],
        "federated": False,
        "id": doc["_id"],
        "identity_provider": None,
        "last_login": doc["created_at"],
        "name": doc["name"],
        "sms_number": None,
        "suspended_at": None,
        "delinquent_at": None,
        "two_factor_authentication": False,
        "updated_at": doc["updated_at"],
        "verified": True,
        "country_of_residence": None,
        "default_organization": None,
        "default_team": None,
    }


def user_ref(store: Any) -> dict[str, str]:
    acct = account(store)
    return {"id": acct["id"], "email": acct["email"]}
