"""Account, rate limits, regions and stacks."""

from __future__ import annotations

from typing import Any

from localcloud.api.errors import not_found
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.records import REGIONS, STACKS, account

STACK_STAMP = "2024-05-01T00:00:00Z"


@routes.get("/account")
def info(ctx: Ctx) -> Any:
    return account(ctx.svc.store)


@routes.get("/users/<user>")
def info_by_user(ctx: Ctx, user: str) -> Any:
    acct = account(ctx.svc.store)
    if user not in ("~", acct["id"], acct["email"]):
        raise not_found("user")
    return acct


@routes.get("/account/rate-limits")
def rate_limits(ctx: Ctx) -> Any:
    return {"remaining": ctx.svc.application.rate.remaining()}


def _region(region: dict[str, str]) -> dict[str, Any]:
    return {
        **region,
        "country": "United States" if region["name"] == "us" else "Ireland",
        "created_at": STACK_STAMP,
        "description": "United States" if region["name"] == "us" else "Europe",
        "locale": "Virginia" if region["name"] == "us" else "Dublin",
        "private_capable": False,
        "provider": {
            "name": "amazon-web-services",
            "region": "us-east-1" if region["name"] == "us" else "eu-west-1",
        },
        "updated_at": STACK_STAMP,
    }


@routes.get("/regions", ranges=("id", "name"))
def regions(ctx: Ctx) -> Any:
    return [_region(r) for r in REGIONS.values()]


@routes.get("/regions/<region>")
def region(ctx: Ctx, region: str) -> Any:
    for r in REGIONS.values():
        if region in (r["id"], r["name"]):
            return _region(r)
    raise not_found("region")


def _stack(stack: dict[str, str]) -> dict[str, Any]:
    return {
        **stack,
        "default": stack["name"] == "heroku-24",
        "created_at": STACK_STAMP,
        "state": "public",
        "updated_at": STACK_STAMP,
    }


@routes.get("/stacks", ranges=("id", "name"))
def stacks(ctx: Ctx) -> Any:
    return [_stack(s) for s in STACKS.values()]


@routes.get("/stacks/<stack>")
def stack(ctx: Ctx, stack: str) -> Any:
    for s in STACKS.values():
        if stack in (s["id"], s["name"]):
            return _stack(s)
    raise not_found("stack")
