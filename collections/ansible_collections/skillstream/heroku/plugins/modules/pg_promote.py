#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pg_promote
short_description: Make a Heroku Postgres database the app's DATABASE, keeping the old one attached
version_added: 1.0.0
description:
  - Attaches a database as C(DATABASE) (so C(DATABASE_URL) points to it), as
    C(heroku pg:promote) does - first the database that holds C(DATABASE) now gets another
    attachment (C(HEROKU_POSTGRESQL_<COLOR>)) if it has none, so it stays reachable until the
    operator retires it; then C(DATABASE) moves (a C(Detach DATABASE) and an
    C(Attach DATABASE) release).
  - Waits for the C(Attach DATABASE) release, whose release phase runs with the new
    database; a failed release phase fails the task with the release output.
  - Idempotent - nothing changes when the database already is C(DATABASE).
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
  - skillstream.heroku.options.app
options:
  database:
    description:
      - The database to promote - an attachment or config var (C(HEROKU_POSTGRESQL_BLUE_URL)),
        or an add-on name.
    type: str
    required: true
  wait:
    description: Wait for the C(Attach DATABASE) release (and its release phase).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for that release.
    type: int
    default: 900
"""

EXAMPLES = r"""
- name: Promote the rollback database
  skillstream.heroku.pg_promote:
    app: skillstream-production
    database: "{{ rolled.attachment }}"
  register: promoted

- name: Say how the old database can be retired
  ansible.builtin.debug:
    msg: "Old database: {{ promoted.previous_addon }} ({{ promoted.previous_attachment }}_URL)"
"""

RETURN = r"""
promoted_addon:
  description: Name of the add-on that is C(DATABASE) now.
  returned: always
  type: str
  sample: postgresql-cubic-12345
previous_addon:
  description:
    - Name of the add-on that was C(DATABASE) before (empty when there was none or nothing
      changed).
  returned: always
  type: str
  sample: postgresql-shaped-54321
previous_attachment:
  description: The attachment the previous database keeps (its config var without C(_URL)).
  returned: always
  type: str
  sample: HEROKU_POSTGRESQL_GOLD
release:
  description: The C(Attach DATABASE) release (when one was made and waited for).
  returned: when changed and O(wait=true)
  type: dict
"""

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    ModuleFailure,
    app_path,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.resources import (
    list_releases,
    resolve_database,
    wait_for_release,
)


def _attach(client, app, addon_name, name=None):
    body = {"app": {"name": app}, "addon": {"name": addon_name}, "confirm": app}
    if name:
        body["name"] = name
    return client.post("/addon-attachments", body)


def _keep_reachable(client, app, attachments, current):
    """An attachment other than DATABASE for the database being replaced (made if missing)."""
    for att in attachments:
        same = (att.get("addon") or {}).get("id") == current["addon"]["id"]
        if same and att["name"] != "DATABASE":
            return att["name"]
    return _attach(client, app, current["addon"]["name"])["name"]


def run(hm):
    client, p = hm.client, hm.params
    app = p["app"]
    target = resolve_database(client, app, p["database"])
    attachments = client.get_all(app_path(app, "addon-attachments"))
    current = next((a for a in attachments if a.get("name") == "DATABASE"), None)
    before = {"DATABASE": (current or {}).get("addon", {}).get("name")}
    result = {"changed": False, "promoted_addon": target.get("name"), "previous_addon": "",
              "previous_attachment": ""}  # fmt: skip
    if current and current["addon"]["id"] == target["id"]:
        return dict(result, diff={"before": before, "after": before})
    result.update(changed=True, diff={"before": before, "after": {"DATABASE": target["name"]}})
    if current:
        result["previous_addon"] = current["addon"]["name"]
    if hm.check_mode:
        return result
    if current:
        result["previous_attachment"] = _keep_reachable(client, app, attachments, current)
    _attach(client, app, target["name"], "DATABASE")
    if p["wait"]:
        attach = [r for r in list_releases(client, app)
                  if (r.get("description") or "").startswith("Attach DATABASE")]  # fmt: skip
        if not attach:
            raise ModuleFailure("No Attach DATABASE release appeared on %s" % app)
        result["release"] = wait_for_release(client, app, attach[-1], p["wait_timeout"])
    return result


def main():
    spec = dict(
        app=dict(type="str", required=True),
        database=dict(type="str", required=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=900),
    )
    HerokuModule(spec).run(run)


if __name__ == "__main__":
    main()
