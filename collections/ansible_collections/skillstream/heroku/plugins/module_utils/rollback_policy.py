# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one rollback policy: which release "roll back" goes to, and why a release cannot serve.

Heroku's own "previous" is the release just before the serving one. Right after an automatic
rollback that is the release that failed its checks, so an operator who rolls back would put
the broken code back. "previous" here walks back past every release a later rollback undid
and past every release that runs what serves now. The ``release`` module, the
``previous_good_release`` filter and the heroku_app role all decide through this file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from typing import Any, Optional

ROLLBACK = re.compile(r"^\s*rollback to v(\d+)\s*$", re.IGNORECASE)
VERSION = re.compile(r"^v?(\d+)$", re.IGNORECASE)


class RollbackRefused(Exception):
    """A rollback that must not happen, with the reason in an operator's words."""

    def __init__(self, msg: str) -> None:
        super(RollbackRefused, self).__init__(msg)
        self.msg = msg


def parse_version(text: Any, option: str = "rollback_to") -> int:
    match = VERSION.match(str(text).strip())
    if not match:
        raise RollbackRefused("%s must be 'previous', 'vN' or N, got %r" % (option, text))
    return int(match.group(1))


def rollback_source(release: dict[str, Any]) -> Optional[int]:
    """The version a "Rollback to vN" release re-runs, or None."""
    match = ROLLBACK.match(release.get("description") or "")
    return int(match.group(1)) if match else None


def is_rollback_to(release: dict[str, Any], target: dict[str, Any]) -> bool:
    """True when ``release`` is ``target`` or a rollback to it (runs its code and config)."""
    return release["version"] == target["version"] or rollback_source(release) == target["version"]


def ineligible_reason(release: dict[str, Any]) -> Optional[str]:
    """Why a release cannot serve again, or None."""
    description = release.get("description") or ""
    if release.get("status") != "succeeded":
        return "its status is %s (%s); only a release that succeeded can serve again" % (
            release.get("status"),
            description,
        )
    if not (release.get("slug") or {}).get("id"):
        return (
            "it has no slug (%s): it changed config before any code was built, so there is "
            "nothing to run" % description
        )
    if release.get("eligible_for_rollback") is False:
        return "Heroku marks it not eligible for rollback"
    return None


def previous_good_release(releases: list[dict[str, Any]], current: dict[str, Any]) -> dict:
    """Among releases older than ``current``, the newest that can serve, that no later
    rollback undid, and that runs other code or config than ``current``; {} when none."""
    if not current or current.get("version") is None:
        return {}
    by_version = dict((r["version"], r) for r in releases)
    undone = set()  # versions a later rollback replaced: they failed or were abandoned
    for release in releases:
        source = rollback_source(release)
        if source is not None:
            undone.update(range(source + 1, release["version"]))
    same_as_current = set()  # current and what it re-runs, following rollback chains
    version = current["version"]
    while version is not None and version not in same_as_current:
        same_as_current.add(version)
        version = rollback_source(by_version.get(version, {}))
    for release in sorted(releases, key=lambda r: r["version"], reverse=True):
        version = release["version"]
        if version >= current["version"] or version in undone or version in same_as_current:
            continue
        if ineligible_reason(release):
            continue
        if rollback_source(release) in same_as_current:
            continue  # a rollback to what serves now runs the same code and config
        return release
    return {}


def pick_target(
    releases: list[dict[str, Any]], current: Optional[dict[str, Any]], rollback_to: Any
) -> dict[str, Any]:
    """The release to roll back to (``previous``, ``vN`` or ``N``), or RollbackRefused."""
    wanted = None if str(rollback_to).strip() == "previous" else parse_version(rollback_to)
    if not current:
        raise RollbackRefused("Cannot roll back: the app has no release yet.")
    if wanted is None:
        target = previous_good_release(releases, current)
        if not target:
            raise RollbackRefused(
                "Cannot roll back: there is no earlier successful release with code before "
                "v%s that a later rollback did not undo and that runs other code or config "
                "than it." % current["version"]
            )
        return target
    by_version = dict((r["version"], r) for r in releases)
    target = by_version.get(wanted)
    if target is None:
        known = "v%s..v%s" % (releases[0]["version"], releases[-1]["version"]) if releases else ""
        raise RollbackRefused("Release v%s does not exist (releases are %s)." % (wanted, known))
    reason = ineligible_reason(target)
    if reason:
        raise RollbackRefused("Cannot roll back to v%s: %s." % (wanted, reason))
    return target
