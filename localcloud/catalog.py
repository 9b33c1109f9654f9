"""The add-on services localcloud can provision, with their plans."""

from __future__ import annotations

import uuid
from typing import Any

STAMP = "2024-01-01T00:00:00Z"


def _id(name: str) -> str:
    """A stable UUID for a catalog entry, so ids survive restarts."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"localcloud:{name}"))


SERVICES: dict[str, dict[str, Any]] = {
    "heroku-postgresql": {
        "human_name": "Heroku Postgres",
        "attachment": "DATABASE",
        "prefix": "postgresql",
        "backing": "postgres",
        "plans": {
            "essential-0": 500,
            "essential-1": 900,
            "essential-2": 2000,
            "standard-0": 5000,
            "standard-2": 20000,
            "premium-0": 20000,
            "premium-2": 35000,
            "private-0": 30000,
            "shield-0": 36000,
        },
        "default_plan": "essential-0",
    },
    "heroku-redis": {
        "human_name": "Heroku Key-Value Store",
        "attachment": "REDIS",
        "prefix": "redis",
        "backing": "redis",
        "plans": {"mini": 300, "premium-0": 1500, "premium-1": 3000},
        "default_plan": "mini",
    },
    # A third-party add-on: its config vars are <ATTACHMENT>_<suffix>, not one _URL.
    "mailgun": {
        "human_name": "Mailgun",
        "attachment": "MAILGUN",
        "prefix": "mailgun",
        "backing": "mail",
        "plans": {"starter": 0, "basic-10k": 3500, "basic-50k": 7500},
        "default_plan": "starter",
        "config_suffixes": [
            "API_KEY",
            "DOMAIN",
            "PUBLIC_KEY",
            "SMTP_LOGIN",
            "SMTP_PASSWORD",
            "SMTP_PORT",
            "SMTP_SERVER",
        ],
    },
}


# Rollback window by plan tier (days); tiers not listed (essential) have no continuous
# protection, so no rollback or fork: they share the local server instead of a cluster.
ROLLBACK_DAYS = {"standard": 4, "premium": 7, "private": 7, "shield": 7}


def rollback_days(plan: str) -> int | None:
    """Days of rollback a Postgres plan keeps (`heroku-postgresql:standard-0` or `standard-0`)."""
    service, _, name = plan.rpartition(":")
    if service not in ("", "heroku-postgresql"):
        return None
    return ROLLBACK_DAYS.get(name.split("-")[0])


def service_view(name: str) -> dict[str, Any]:
    svc = SERVICES[name]
    return {
        "cli_plugin_name": None,
        "created_at": STAMP,
        "human_name": svc["human_name"],
        "id": _id(name),
        "name": name,
        "state": "ga",
        "supports_multiple_installations": True,
        "supports_sharing": True,
        "updated_at": STAMP,
        "supported_generations": [{"id": _id("cedar"), "name": "cedar"}],
    }


def plan_view(service: str, plan: str) -> dict[str, Any]:
    svc = SERVICES[service]
    return {
        "addon_service": {"id": _id(service), "name": service},
        "created_at": STAMP,
        "compliance": None,
        "default": plan == svc["default_plan"],
        "description": f"{svc['human_name']} {plan}",
        "human_name": plan.replace("-", " ").title(),
        "id": _id(f"{service}:{plan}"),
        "installable_inside_private_network": False,
        "installable_outside_private_network": True,
        "name": f"{service}:{plan}",
        "price": {"cents": svc["plans"][plan], "contract": False, "unit": "month"},
        "space_default": False,
        "state": "public",
        "updated_at": STAMP,
        "visible": True,
    }


def find_service(ident: str) -> str | None:
    for name in SERVICES:
        if ident in (name, _id(name)):
            return name
    return None


def resolve_plan(ident: str) -> tuple[str, str] | None:
    """`service:plan`, a bare service (its default plan) or a plan id."""
    service, _, plan = ident.partition(":")
    if service in SERVICES:
        plan = plan or SERVICES[service]["default_plan"]
        return (service, plan) if plan in SERVICES[service]["plans"] else None
    for name, svc in SERVICES.items():
        for p in svc["plans"]:
            if ident == _id(f"{name}:{p}"):
                return name, p
    return None
