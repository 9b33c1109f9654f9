# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""previous_good_release: what "roll back" should mean to an operator.

Heroku's own "previous" is the release just before the serving one. Right after an
automatic rollback that is the release that failed its checks, so an operator who runs
rollback.yml would put the broken code back. This filter walks back past every release
that a later rollback undid and past every release equivalent to the serving one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from typing import Any, Optional

DOCUMENTATION = r"""
name: previous_good_release
short_description: The release a rollback without a version should go to
version_added: 1.0.0
description:
  - Among releases older than O(current), the newest that succeeded, has a slug, is
    eligible for rollback, was not undone by a later rollback, and is not the release the
    serving one already runs (the target of a "Rollback to vN" chain).
  - Returns an empty dict when there is none.
options:
  _input:
    description: Releases of the app (as the Platform API lists them), any order.
    type: list
    elements: dict
    required: true
  current:
    description: The release serving now.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Pick the release to roll back to
  ansible.builtin.set_fact:
    target: >-
      {{ app_info.releases
         | skillstream.heroku.previous_good_release(app_info.current_release) }}
"""

RETURN = r"""
_value:
  description: The release to roll back to, or an empty dict.
  type: dict
"""

ROLLBACK = re.compile(r"^\s*rollback to v(\d+)\s*$", re.IGNORECASE)


def rollback_source(release: dict[str, Any]) -> Optional[int]:
    """The version a "Rollback to vN" release re-runs, or None."""
    match = ROLLBACK.match(release.get("description") or "")
    return int(match.group(1)) if match else None


def previous_good_release(
    releases: list[dict[str, Any]], current: dict[str, Any]
) -> dict[str, Any]:
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
        if release.get("status") != "succeeded" or not (release.get("slug") or {}).get("id"):
            continue
        if release.get("eligible_for_rollback") is False:
            continue
        if rollback_source(release) in same_as_current:
            continue  # a rollback to what serves now runs the same code and config
        return release
    return {}


class FilterModule(object):
    def filters(self):
        return {"previous_good_release": previous_good_release}
