"""Pages rendered once for everyone, with the parts that depend on who looks filled per request.

A template marks each such part with `{% per_viewer "viewer/<part>.html" name=value ... %}`.
Rendered normally, the tag renders the part in place. Rendered with `render_shared`, it leaves
a marker and records (template, arguments) instead, so the page (the costly part: queries,
comments, cards) can be cached and `SharedPage.fill` later renders only the small parts, with
the viewer's own context: who they are, their CSRF token, their messages.
"""

import secrets
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template import Context, engines
from django.template.loader import get_template
from django.utils.functional import empty

from apps.core.context_processors import SITE_NAME

# Where a part goes in a shared render: unguessable, so no content can forge one.
MARKER = f"\x00per-viewer-{secrets.token_hex(8)}\x00"
DEFERRED = "per_viewer_deferred"  # the context variable that collects the parts in a shared render
# A part's optional argument: the ids of the only users who see it (others get nothing, and
# nothing is rendered for them: a page of comments has a delete button on each, for 2 people).
SHOWN_TO = "shown_to"


def render_part(template_name: str, arguments: dict[str, Any], context: Context) -> str:
    shown_to = arguments.get(SHOWN_TO)
    if shown_to is not None and getattr(context.get("user"), "pk", None) not in shown_to:
        return ""
    with context.push(arguments):
        return get_template(template_name).template.render(context)


@dataclass(frozen=True)
class SharedPage:
    """The page split around its per-viewer parts: parts[i] follows chunks[i]."""

    chunks: tuple[str, ...]
    parts: tuple[tuple[str, dict[str, Any]], ...]

    def fill(self, request: HttpRequest, **viewer: Any) -> str:
        """The page as `request`'s user sees it; `viewer` adds facts about them (liked...)."""
        context = viewer_context(request, viewer)
        out = [self.chunks[0]]
        for (template_name, arguments), chunk in zip(self.parts, self.chunks[1:], strict=True):
            out.append(render_part(template_name, arguments, context))
            out.append(chunk)
        return "".join(out)


def render_shared(template_name: str, context: dict[str, Any]) -> SharedPage:
    """Render a page for no one in particular (no request, no user), leaving markers."""
    deferred: list[tuple[str, dict[str, Any]]] = []
    html = get_template(template_name).render(
        {**context, DEFERRED: deferred, "site_name": SITE_NAME}
    )
    chunks = html.split(MARKER)
    if len(chunks) != len(deferred) + 1:
        raise RuntimeError(f"{template_name}: {len(chunks) - 1} markers for {len(deferred)} parts")
    return SharedPage(tuple(chunks), tuple(deferred))


def viewer_context(request: HttpRequest, viewer: dict[str, Any]) -> Context:
    """What the template's context processors give a normal render of this request, once."""
    flat: dict[str, Any] = {}
    for processor in engines["django"].engine.template_context_processors:
        flat.update(processor(request))
    flat.update(viewer)
    # The user itself rather than the middleware's lazy proxy, which every lookup in every
    # part would go through.
    wrapped = getattr(flat.get("user"), "_wrapped", empty)
    if wrapped is not empty:
        flat["user"] = wrapped
    return Context(flat, autoescape=True)
