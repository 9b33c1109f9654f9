#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: config_vars
short_description: Set a Heroku app's config vars declaratively in one change
version_added: 1.0.0
description:
  - Sets exactly the keys given in O(config), in a single C(PATCH) (so a single release).
  - A key whose value is V(null) is removed.
  - With O(exclusive=true), keys that are not in O(config) are removed too, except
    O(protected_keys).
  - Values in O(config) are secrets; they never appear in the output or in the diff, which
    shows key names and whether each value was added, changed or kept.
  - Values in O(public_config) are not secret; the diff shows them before and after, so a
    C(--check --diff) run reads like a plan.
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
  - skillstream.heroku.options.app
options:
  config:
    description:
      - Config vars to set, as a mapping of name to value.
      - Values are sent as strings; booleans become V(true)/V(false), numbers their decimal form.
      - V(null) removes the key.
    type: dict
    required: true
  public_config:
    description:
      - Config vars whose values are not secret, set like O(config); the diff shows their values.
      - A key may not be in both O(config) and O(public_config).
    type: dict
    default: {}
  exclusive:
    description: Remove keys that are not in O(config) or O(public_config) (and not protected).
    type: bool
    default: false
  protected_keys:
    description:
      - Keys never removed by O(exclusive).
      - Defaults to the keys set by the add-ons attached to the app (for example
        C(DATABASE_URL), C(REDIS_URL)), found through the app's add-ons and add-on attachments.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Set the Django settings module (shown in the diff) and the secret key (masked)
  skillstream.heroku.config_vars:
    app: skillstream-production
    public_config:
      DJANGO_SETTINGS_MODULE: config.settings.production
    config:
      DJANGO_SECRET_KEY: "{{ vault_django_secret_key }}"

- name: Set the allowed hosts
  skillstream.heroku.config_vars:
    app: skillstream-production
    config:
      ALLOWED_HOSTS: skillstream.example.com
      SECURE_SSL_REDIRECT: true

- name: Make the config exactly this (keeping the add-ons' keys)
  skillstream.heroku.config_vars:
    app: skillstream-production
    config: "{{ heroku_app_config_vars | combine(heroku_app_secret_config_vars) }}"
    exclusive: true

- name: Remove a key
  skillstream.heroku.config_vars:
    app: skillstream-production
    config:
      OLD_FEATURE_FLAG: null
"""

RETURN = r"""
changed_keys:
  description: Names of the keys added, changed or removed (never values).
  returned: always
  type: list
  elements: str
  sample: ["ALLOWED_HOSTS", "OLD_FEATURE_FLAG"]
removed_keys:
  description: Names of the keys removed.
  returned: always
  type: list
  elements: str
keys:
  description: Names of every config var after the run.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    app_path,
    masked_config_diff,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.resources import (
    addon_config_keys,
)


def as_config_value(value):
    """Heroku stores strings; render booleans the way Django settings parse them."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def plan_patch(current, wanted, exclusive, protected):
    """The one PATCH body that turns ``current`` into the wanted config."""
    patch = {}
    for key, value in wanted.items():
        value = as_config_value(value)
        if value is None:
            if key in current:
                patch[key] = None
        elif current.get(key) != value:
            patch[key] = value
    if exclusive:
        for key in current:
            if key not in wanted and key not in protected:
                patch[key] = None
    return patch


def run(hm):
    client, p = hm.client, hm.params
    path = app_path(p["app"], "config-vars")
    current = client.get(path) or {}
    both = sorted(set(p["config"]) & set(p["public_config"]))
    if both:
        hm.fail("config and public_config both set %s; a value is secret or not" % ", ".join(both))
    wanted = dict(p["public_config"], **p["config"])
    protected = set()
    if p["exclusive"]:
        if p["protected_keys"] is None:
            protected = addon_config_keys(client, p["app"])
        else:
            protected = set(p["protected_keys"])
    patch = plan_patch(current, wanted, p["exclusive"], protected)
    after = dict(current)
    for key, value in patch.items():
        if value is None:
            after.pop(key, None)
        else:
            after[key] = value
    if patch and not hm.check_mode:
        after = client.patch(path, patch)
    return {
        "changed": bool(patch),
        "changed_keys": sorted(patch),
        "removed_keys": sorted(k for k, v in patch.items() if v is None),
        "keys": sorted(after),
        "diff": masked_config_diff(current, after, public_keys=p["public_config"]),
    }


def main():
    spec = dict(
        app=dict(type="str", required=True),
        config=dict(type="dict", required=True, no_log=True),
        public_config=dict(type="dict", default={}),
        exclusive=dict(type="bool", default=False),
        protected_keys=dict(type="list", elements="str", no_log=False),
    )
    HerokuModule(spec).run(run)


if __name__ == "__main__":
    main()
