"""A small route table: handlers register with a method and a werkzeug rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.routing import Map, Rule

Handler = Callable[..., Any]


@dataclass
class Route:
    method: str
    rule: str
    handler: Handler
    kind: (
        str  # "platform" (Heroku conventions), "data" (data API), "open" (blobs, streams, control)
    )
    ranges: tuple[str, ...] = ()
    template: str = field(default="")


class Routes:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, rule: str, kind: str = "platform", ranges: tuple[str, ...] = ()):
        def register(handler: Handler) -> Handler:
            template = rule.replace("<", "{").replace(">", "}").replace("path:", "")
            self.routes.append(Route(method, rule, handler, kind, ranges, template))
            return handler

        return register

    def get(self, rule: str, **kw: Any):
        return self.add("GET", rule, **kw)

    def post(self, rule: str, **kw: Any):
        return self.add("POST", rule, **kw)

    def patch(self, rule: str, **kw: Any):
        return self.add("PATCH", rule, **kw)

    def put(self, rule: str, **kw: Any):
        return self.add("PUT", rule, **kw)

    def delete(self, rule: str, **kw: Any):
        return self.add("DELETE", rule, **kw)

    def url_map(self) -> Map:
        rules = [
            Rule(r.rule, methods=[r.method], endpoint=i, strict_slashes=False)
            for i, r in enumerate(self.routes)
        ]
        return Map(rules)


routes = Routes()
