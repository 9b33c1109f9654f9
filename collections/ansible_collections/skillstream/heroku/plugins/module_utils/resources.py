# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Look-ups several modules need: releases, add-on config keys, databases."""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import time
from typing import Any, Optional

try:
    from urllib.parse import quote, urlsplit, urlunsplit
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore

    from urlparse import urlsplit, urlunsplit  # type: ignore

from ansible_collections.skillstream.heroku.plugins.module_utils.client import (
    HerokuClient,
    HerokuError,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    MASK,
    ModuleFailure,
    app_path,
    tail,
    wait_for,
)


def list_releases(client: HerokuClient, app: str) -> list[dict[str, Any]]:
    """Every release of ``app``, oldest first (newest last)."""
    releases = client.get_all(app_path(app, "releases"))
    return sorted(releases, key=lambda r: r.get("version") or 0)


def current_release(releases: list[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """The release that is serving: ``current`` if Heroku says so, else the last success."""
    for release in reversed(releases):
        if release.get("current"):
            return release
    for release in reversed(releases):
        if release.get("status") == "succeeded":
            return release
    return None


def wait_for_release(
    client: HerokuClient, app: str, release: dict[str, Any], timeout: float
) -> dict[str, Any]:
    """Wait until ``release`` leaves ``pending``; fail with its output tail if it failed.

    The release phase's output stream stays open while it runs, so it is read first
    (one request instead of many polls), then the status is confirmed.
    """
    path = app_path(app, "releases", release["id"])
    what = "release v%s of %s" % (release.get("version"), app)
    deadline = time.time() + timeout
    output = None
    if release.get("status") == "pending" and release.get("output_stream_url"):
        output = client.read_stream(release["output_stream_url"], deadline=deadline)
    release = wait_for(
        lambda: client.get(path),
        lambda r: r.get("status") != "pending",
        max(1, deadline - time.time()),
        what,
        max_interval=3.0,
    )
    if release.get("status") != "succeeded":
        if output is None:
            output = client.read_stream(release.get("output_stream_url"), deadline=deadline)
        raise ModuleFailure(
            "Release v%s of app %s failed (status %s) in its release phase; the previous "
            "release keeps serving. Release output (tail):\n%s"
            % (release.get("version"), app, release.get("status"), tail(output)),
            release=release,
            release_output=tail(output, 200),
        )
    return release


def addon_config_keys(client: HerokuClient, app: str) -> set[str]:
    """Config var names that attached add-ons set on ``app`` (never removed by us)."""
    keys = set()
    owned = {}  # add-on id -> the config var names it lists for this app
    for addon in client.get_all(app_path(app, "addons")):
        owned[addon.get("id")] = addon.get("config_vars") or []
        keys.update(owned[addon.get("id")])
    for attachment in client.get_all(app_path(app, "addon-attachments")):
        name = attachment.get("name")
        if not name:
            continue
        keys.add("%s_URL" % name)
        addon_id = (attachment.get("addon") or {}).get("id")
        if not addon_id:
            continue
        if any(var.startswith(name + "_") for var in owned.get(addon_id, [])):
            continue  # the add-on already listed its vars under this name: no extra request
        try:
            items = client.get("/addons/%s/config" % quote(addon_id, safe=""), missing_ok=True)
        except HerokuError:
            items = None  # some providers hide their config; the _URL name still counts
        for item in items or []:
            if item.get("name"):
                keys.add("%s_%s" % (name, item["name"]))
    return keys


def wait_addon_provisioned(
    client: HerokuClient, app: str, addon: dict[str, Any], timeout: float
) -> dict[str, Any]:
    """The add-on once ``provisioned``; else fail with its state and Heroku's message (a failed
    database recovery says so in ``provision_message`` while still ``provisioning``)."""
    if addon.get("state") == "provisioned":
        return addon
    path = app_path(app, "addons", addon["id"])

    def done(found: dict[str, Any]) -> bool:
        failed = "fail" in (found.get("provision_message") or "").lower()
        return failed or found.get("state") in ("provisioned", "deprovisioned")

    name = addon.get("name")
    addon = wait_for(lambda: client.get(path), done, timeout, "add-on %s to be provisioned" % name)
    if addon.get("state") != "provisioned":
        raise ModuleFailure(
            "Add-on %s of app %s was not provisioned (state %s): %s"
            % (name, app, addon.get("state"), addon.get("provision_message") or "no message"),
            addon=addon,
        )
    return addon


def resolve_database(client: HerokuClient, app: str, database: str) -> dict[str, Any]:
    """The Postgres add-on behind an attachment name such as ``DATABASE_URL``."""
    wanted = database[:-4] if database.upper().endswith("_URL") else database
    attachments = client.get_all(app_path(app, "addon-attachments"))
    for attachment in attachments:
        addon = attachment.get("addon") or {}
        if (
            attachment.get("name", "").upper() in (wanted.upper(), database.upper())
            or addon.get("name") == database
        ):
            return addon
    names = sorted(a.get("name", "") for a in attachments)
    raise ModuleFailure(
        "App %s has no database attachment %s (attachments: %s)"
        % (app, database, ", ".join(names) or "none")
    )


def redact_url(url: Optional[str]) -> Optional[str]:
    """Hide the password, the path and the query of a URL: log drain services put their
    credentials in any of them (user:password@, /v1/<token>, ?token=). Scheme, user, host
    and port stay, enough to tell drains apart."""
    if not url:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = "%s:%s@%s" % (parts.username or "", MASK, parts.hostname or "")
        if parts.port:
            netloc += ":%s" % parts.port
    path = "/" + MASK if parts.path not in ("", "/") else parts.path
    query = MASK if parts.query else ""
    return urlunsplit((parts.scheme, netloc, path, query, ""))
