"""Pipelines, pipeline couplings and pipeline promotions (with their targets)."""

from __future__ import annotations

from typing import Any

from localcloud import pipelines
from localcloud.api.errors import not_found
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.records import public


@routes.post("/pipelines")
def create(ctx: Ctx) -> Any:
    return pipelines.create(ctx.svc, ctx.body().get("name")), 201


@routes.get("/pipelines", ranges=("id", "name"))
def list_pipelines(ctx: Ctx) -> Any:
    return ctx.svc.store.list("pipeline")


@routes.get("/pipelines/<pipeline>")
def info(ctx: Ctx, pipeline: str) -> Any:
    return pipelines.find(ctx.svc, pipeline)


@routes.patch("/pipelines/<pipeline>")
def update(ctx: Ctx, pipeline: str) -> Any:
    return pipelines.rename(ctx.svc, pipeline, ctx.body().get("name"))


@routes.delete("/pipelines/<pipeline>")
def delete(ctx: Ctx, pipeline: str) -> Any:
    return pipelines.delete(ctx.svc, pipeline)


def _coupling(ctx: Ctx, doc: dict[str, Any]) -> dict[str, Any]:
    """A coupling names its pipeline too, as Heroku answers (the CLI prints it)."""
    pipeline = ctx.svc.store.get("pipeline", doc["pipeline"]["id"]) or {}
    return {**doc, "pipeline": {"id": doc["pipeline"]["id"], "name": pipeline.get("name")}}


@routes.post("/pipeline-couplings")
def couple(ctx: Ctx) -> Any:
    body = ctx.body()
    app = ctx.svc.find_app(str(body.get("app") or ""))
    return _coupling(
        ctx, pipelines.couple(ctx.svc, app, body.get("pipeline"), body.get("stage"))
    ), 201


@routes.get("/pipeline-couplings", ranges=("id", "stage"))
def list_couplings(ctx: Ctx) -> Any:
    return [_coupling(ctx, c) for c in pipelines.couplings(ctx.svc)]


@routes.get("/pipelines/<pipeline>/pipeline-couplings", ranges=("id", "stage"))
def pipeline_couplings(ctx: Ctx, pipeline: str) -> Any:
    found = pipelines.couplings(ctx.svc, pipelines.find(ctx.svc, pipeline)["id"])
    return [_coupling(ctx, c) for c in found]


@routes.get("/pipeline-couplings/<coupling>")
def coupling_info(ctx: Ctx, coupling: str) -> Any:
    return _coupling(ctx, pipelines.find_coupling(ctx.svc, coupling))


@routes.patch("/pipeline-couplings/<coupling>")
def restage(ctx: Ctx, coupling: str) -> Any:
    return _coupling(ctx, pipelines.restage(ctx.svc, coupling, ctx.body().get("stage")))


@routes.delete("/pipeline-couplings/<coupling>")
def uncouple(ctx: Ctx, coupling: str) -> Any:
    return _coupling(ctx, pipelines.uncouple(ctx.svc, coupling))


@routes.get("/apps/<app>/pipeline-couplings")
def app_coupling(ctx: Ctx, app: str) -> Any:
    found = pipelines.coupling_of_app(ctx.svc, ctx.svc.find_app(app)["id"])
    if found is None:
        raise not_found("pipeline-coupling")
    return _coupling(ctx, found)


@routes.post("/pipeline-promotions")
def promote(ctx: Ctx) -> Any:
    return public(pipelines.promote(ctx.svc, ctx.body())), 201


@routes.get("/pipeline-promotions/<promotion>")
def promotion_info(ctx: Ctx, promotion: str) -> Any:
    return public(pipelines.find_promotion(ctx.svc, promotion))


@routes.get("/pipeline-promotions/<promotion>/promotion-targets", ranges=("id",))
def promotion_targets(ctx: Ctx, promotion: str) -> Any:
    return pipelines.targets(ctx.svc, pipelines.find_promotion(ctx.svc, promotion)["id"])
