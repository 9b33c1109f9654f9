"""The mail the `mailgun` add-ons of an app received (not Heroku: a local mail catcher)."""

from __future__ import annotations

import html
import re
from typing import Any

from werkzeug.wrappers import Response

from localcloud.api.errors import ApiError
from localcloud.api.routing import routes
from localcloud.api.server import Ctx

_LINK = re.compile(r"(https?://[^\s<>\"']+)")  # links in an escaped text body, made clickable


def _messages(ctx: Ctx, app: str) -> list[dict[str, Any]]:
    """Every message of every email add-on of the app, oldest first, numbered per add-on."""
    doc = ctx.svc.find_app(app)
    found: list[dict[str, Any]] = []
    if ctx.svc.mail is None:
        return found
    for addon in ctx.svc.store.list("addon", doc["id"]):
        if (addon.get("_backing") or {}).get("type") == "mailbox":
            for message in ctx.svc.mail.mailboxes.messages(addon["id"]):
                found.append({**message, "addon": addon["name"]})
    found.sort(key=lambda m: m["received_at"])
    return [{**m, "number": n} for n, m in enumerate(found, start=1)]


@routes.get("/__localcloud/apps/<app>/mail", kind="control")
def list_mail(ctx: Ctx, app: str) -> Any:
    return [{k: v for k, v in m.items() if k != "raw"} for m in _messages(ctx, app)]


@routes.get("/__localcloud/apps/<app>/mail/<int:number>", kind="control")
def one_mail(ctx: Ctx, app: str, number: int) -> Any:
    messages = _messages(ctx, app)
    if not 1 <= number <= len(messages):
        raise ApiError(404, "not_found", f"{app} has no message {number} ({len(messages)} kept).")
    return messages[number - 1]


@routes.get("/__localcloud/mail/<app>", kind="control")
def mail_page(ctx: Ctx, app: str) -> Any:
    """A small page for a person: newest first, each message with its text and links."""
    rows = []
    for m in reversed(_messages(ctx, app)):
        rows.append(
            "<article><h2>{subject}</h2><p class=meta>#{number} · to {to} · from {sender} · "
            "{received}</p><pre>{text}</pre></article>".format(
                subject=html.escape(m["subject"] or "(no subject)"),
                number=m["number"],
                to=html.escape(", ".join(m["to"])),
                sender=html.escape(m["from"]),
                received=html.escape(m["received_at"]),
                text=_LINK.sub(r'<a href="\1">\1</a>', html.escape(m["text"])),
            )
        )
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<title>Mail for {html.escape(app)}</title>"
        # No icon: else the browser asks the API for /favicon.ico and logs a 404.
        "<link rel=icon href='data:,'>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:50rem;margin:1rem auto;"
        "padding:0 1rem}article{border:1px solid #ccd;border-radius:8px;padding:0 1rem;"
        "margin:1rem 0}.meta{color:#555;font-size:.9rem}pre{white-space:pre-wrap;"
        "word-break:break-word}</style>"
        f"<h1>Mail for {html.escape(app)}</h1>" + ("".join(rows) or "<p>No mail yet.</p>")
    )
    return Response(body, 200, content_type="text/html; charset=utf-8")
