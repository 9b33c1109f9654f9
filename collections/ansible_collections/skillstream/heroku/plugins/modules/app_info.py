#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_info
short_description: Read a Heroku app with its releases, formation, features, add-ons and domains
version_added: 1.0.0
description:
  - Reads everything a deploy or a rollback decides on in one call.
  - Never changes anything.
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
attributes:
  diff_mode:
    support: none
    description: Reads only.
options:
  name:
    description: Name of the app.
    type: str
    required: true
  missing_ok:
    description:
      - When true, a missing app is not an error; RV(exists) is false and the other
        values are empty.
      - In check mode a missing app is never an error, because an earlier task may only
        have planned to create it.
    type: bool
    default: false
  settle_timeout:
    description:
      - Seconds to wait for releases still in their release phase (status C(pending)) to
        finish before reading, so that RV(current_release) is the release that will serve
        and not the one a pending release is about to replace. An add-on attach or a
        config change starts such a release.
      - A pending release that then fails is not an error here; the release before it stays
        current. Still pending after this many seconds is an error naming the release.
      - C(0) reads at once.
    type: int
    default: 0
  config_vars:
    description:
      - Names of config vars to return in RV(config_vars), with their values. Only these
        are read out of the app's config; the others never leave the module.
      - Name only config vars that are not secrets (the values are returned as they are). A
        name an attached add-on sets (C(DATABASE_URL), C(REDIS_URL) ...) is refused, since
        those hold credentials.
    type: list
    elements: str
    default: []
  serving_slug:
    description:
      - Also read the slug of RV(current_release) into RV(serving_slug) (one more request),
        for its C(commit), the version a build recorded.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Read the app and its releases
  skillstream.heroku.app_info:
    name: skillstream-production
  register: skillstream_app

- name: Read the serving slug and the slug a deploy verified
  skillstream.heroku.app_info:
    name: skillstream-staging
    serving_slug: true
    config_vars:
      - SKILLSTREAM_VERIFIED_SLUG
  register: skillstream_staging

- name: Show the release that is serving
  ansible.builtin.debug:
    msg: "{{ skillstream_app.current_release.version }}"
"""

RETURN = r"""
exists:
  description: Whether the app exists.
  returned: always
  type: bool
app:
  description: The app.
  returned: always
  type: dict
releases:
  description: Every release of the app, newest last.
  returned: always
  type: list
  elements: dict
current_release:
  description: The release that is serving (Heroku's C(current) flag, else the newest success).
  returned: always
  type: dict
  sample: {"version": 7, "status": "succeeded", "current": true, "slug": {"id": "..."}}
formation:
  description: The process formation.
  returned: always
  type: list
  elements: dict
features:
  description: The app features (name and C(enabled)).
  returned: always
  type: list
  elements: dict
addons:
  description: The add-ons of the app, with their C(state) and C(config_vars) names.
  returned: always
  type: list
  elements: dict
domains:
  description: The custom and default domains of the app.
  returned: always
  type: list
  elements: dict
config_vars:
  description: The config vars named in O(config_vars) that are set, with their values.
  returned: always
  type: dict
  sample: {"SKILLSTREAM_VERIFIED_SLUG": "0c6b9f8e-..."}
serving_slug:
  description:
    - The slug of RV(current_release) (C(id), C(commit), C(checksum), C(process_types) ...)
      when O(serving_slug) is true; empty when not asked, when no release has a slug, or
      when the slug is gone.
  returned: always
  type: dict
  sample: {"id": "0c6b9f8e-...", "commit": "2251b74+m.0123456789ab"}
"""

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    ModuleFailure,
    app_path,
    wait_for,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.resources import (
    current_release,
    list_releases,
)


def run(hm):
    client, name = hm.client, hm.params["name"]
    if hm.params["settle_timeout"] < 0:
        raise ModuleFailure(
            "settle_timeout must be 0 or more seconds, got %s" % hm.params["settle_timeout"]
        )
    app = client.get(app_path(name), missing_ok=hm.params["missing_ok"] or hm.check_mode)
    if app is None:
        return {
            "changed": False,
            "exists": False,
            "app": {},
            "releases": [],
            "current_release": {},
            "formation": [],
            "features": [],
            "addons": [],
            "domains": [],
            "config_vars": {},
            "serving_slug": {},
        }
    releases = list_releases(client, name)
    pending = [r for r in releases if r.get("status") == "pending"]
    if pending and hm.params["settle_timeout"] > 0:
        newest = pending[-1]
        wait_for(
            lambda: client.get(app_path(name, "releases", newest["id"])),
            lambda r: r.get("status") != "pending",
            hm.params["settle_timeout"],
            "release v%s of %s to finish its release phase" % (newest.get("version"), name),
            max_interval=2.0,
        )
        releases = list_releases(client, name)
    current = current_release(releases) or {}
    addons = client.get_all(app_path(name, "addons"))
    return {
        "changed": False,
        "exists": True,
        "app": app,
        "releases": releases,
        "current_release": current,
        "formation": client.get_all(app_path(name, "formation")),
        "features": client.get_all(app_path(name, "features")),
        "addons": addons,
        "domains": client.get_all(app_path(name, "domains")),
        "config_vars": named_config_vars(client, name, hm.params["config_vars"], addons),
        "serving_slug": serving_slug(client, name, current) if hm.params["serving_slug"] else {},
    }


def refuse_addon_vars(names, addons):
    """Fail naming the add-on when a name is one of its config vars (they hold credentials)."""
    for addon in addons:
        secret = sorted(set(names) & set(addon.get("config_vars") or []))
        if secret:
            raise ModuleFailure(
                "config_vars names %s, set by the add-on %s: add-on config vars hold "
                "credentials and app_info returns only config vars that are not secrets"
                % (", ".join(secret), addon.get("name", "?"))
            )


def pick_config_vars(config, names):
    """Only the asked names that are set; nothing else of the config."""
    return dict((key, config[key]) for key in names if config.get(key) is not None)


def named_config_vars(client, name, names, addons):
    if not names:
        return {}
    refuse_addon_vars(names, addons)
    return pick_config_vars(client.get(app_path(name, "config-vars")) or {}, names)


def serving_slug(client, name, release):
    slug_id = (release.get("slug") or {}).get("id")
    if not slug_id:
        return {}
    return client.get(app_path(name, "slugs", slug_id), missing_ok=True) or {}


def main():
    spec = dict(
        name=dict(type="str", required=True),
        missing_ok=dict(type="bool", default=False),
        settle_timeout=dict(type="int", default=0),
        config_vars=dict(type="list", elements="str", default=[]),
        serving_slug=dict(type="bool", default=False),
    )
    HerokuModule(spec).run(run)


if __name__ == "__main__":
    main()
