"""Pages rendered once for everyone, with the parts that depend on who looks filled per request.

A template marks each such part with `{% per_viewer "viewer/<part>.html" name=value ... %}`.
Rendered normally, the tag renders the part in place. Rendered with `render_shared`, it leaves
a marker and records (template, arguments) instead, so the page (the costly part: queries,
comments, cards) can be cached and `SharedPage.fill` later renders only the small parts, with
the viewer's own context: who they are, their CSRF token, their messages.

A part that starts with `{% varies_on expr ... %}` names everything it reads about the viewer
(the expressions' values; its arguments and the CSRF token aside). Filled in, such a part is
rendered once per process for each combination of its arguments and those values and then
reused, the viewer's CSRF token put in by string substitution: most requests render no
template at all. A part without the declaration (messages) is rendered every time.
"""

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.template import Context, Template, engines
from django.template.loader import get_template
from django.utils.functional import empty

from apps.core.context_processors import SITE_NAME

# Where a part goes in a shared render: unguessable, so no content can forge one.
MARKER = f"\x00per-viewer-{secrets.token_hex(8)}\x00"
DEFERRED = "per_viewer_deferred"  # the context variable that collects the parts in a shared render
# A part's optional argument: the ids of the only users who see it (others get nothing, and
# nothing is rendered for them: a page of comments has a delete button on each, for 2 people).
SHOWN_TO = "shown_to"


# Stands for the viewer's CSRF token in a part rendered for reuse: unguessable, like MARKER.
CSRF_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"
_rendered: dict[tuple, str] = {}  # (part, arguments' key, viewer values) -> the part's HTML
RENDERED_MAX = 4096  # parts kept per process (a few hundred bytes each); the oldest go first
_parts: dict[str, tuple[Template, list | None]] = {}  # name -> (template, varies_on)


def render_part(
    template_name: str,
    arguments: dict[str, Any],
    context: Context,
    arguments_key: str = "",
    resolved: dict[str, Any] | None = None,
) -> str:
    """The part for the viewer in `context`; `resolved`: varies_on values already resolved
    for this viewer (by expression), shared by the parts of one page."""
    shown_to = arguments.get(SHOWN_TO)
    if shown_to is not None and getattr(context.get("user"), "pk", None) not in shown_to:
        return ""
    template, varies_on = _part(template_name)
    if varies_on is None or not arguments_key or settings.DEBUG:
        with context.push(arguments):
            return template.render(context)
    # Resolved in the viewer's context alone: a name of the part's arguments resolves to
    # nothing here, and the arguments are in the key anyway.
    resolved = {} if resolved is None else resolved
    values = []
    for expression in varies_on:
        if expression.token not in resolved:
            resolved[expression.token] = expression.resolve(context, ignore_failures=True)
        values.append(resolved[expression.token])
    key = (template_name, arguments_key, *values)
    with context.push(arguments):
        html = _rendered.get(key)
        if html is None:
            with context.push(csrf_token=CSRF_PLACEHOLDER):
                html = template.render(context)
            if len(_rendered) >= RENDERED_MAX:
                _rendered.pop(next(iter(_rendered), None), None)  # safe if a thread got there
            _rendered[key] = html
    if CSRF_PLACEHOLDER in html:
        return html.replace(CSRF_PLACEHOLDER, str(context.get("csrf_token")))
    return html


def _part(template_name: str) -> tuple[Template, list | None]:
    """(the compiled part, the expressions of its `{% varies_on %}` or None), looked up once
    per process; in development (DEBUG) every time, so an edited part shows at once (and
    nothing rendered is reused either)."""
    found = None if settings.DEBUG else _parts.get(template_name)
    if found is None:
        from apps.core.templatetags.per_viewer import VariesOnNode

        template = get_template(template_name).template
        nodes = template.nodelist.get_nodes_by_type(VariesOnNode)
        found = (template, nodes[0].expressions if nodes else None)
        if not settings.DEBUG:
            _parts[template_name] = found
    return found


def arguments_key(arguments: dict[str, Any]) -> str:
    """The same for equal arguments in every process (reprs of strings, numbers, lists)."""
    return hashlib.sha256(repr(sorted(arguments.items())).encode()).hexdigest()[:24]


@dataclass(frozen=True)
class SharedPage:
    """The page split around its per-viewer parts: parts[i] follows chunks[i]."""

    chunks: tuple[str, ...]
    parts: tuple[tuple[str, dict[str, Any]], ...]
    # arguments_key of each part; a page cached before this field existed has none (the class
    # default), and its parts are rendered each time.
    keys: tuple[str, ...] = ()

    def fill(self, request: HttpRequest, **viewer: Any) -> str:
        """The page as `request`'s user sees it; `viewer` adds facts about them (liked...)."""
        context = viewer_context(request, viewer)
        keys = self.keys or ("",) * len(self.parts)
        resolved: dict[str, Any] = {}
        out = [self.chunks[0]]
        for (template_name, arguments), key, chunk in zip(
            self.parts, keys, self.chunks[1:], strict=True
        ):
            out.append(render_part(template_name, arguments, context, key, resolved))
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
    keys = tuple(arguments_key(arguments) for _, arguments in deferred)
    return SharedPage(tuple(chunks), tuple(deferred), keys)


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
