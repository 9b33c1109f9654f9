#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pg_rollback
short_description: Create a Heroku Postgres rollback (a database as it was at a time) or fork
version_added: 1.0.0
description:
  - Provisions a new Heroku Postgres add-on from the continuous archive of an app's database,
    as C(heroku addons:create heroku-postgresql:standard-0 --rollback DATABASE_URL --to TIME)
    does. With O(to), the database as it was at that time; with O(fork=true), as it is now.
  - The source database is left as it is. The new one is attached under a
    C(HEROKU_POSTGRESQL_<COLOR>) name; M(skillstream.heroku.pg_promote) makes it the app's
    C(DATABASE).
  - Refused before anything is created when the time has no zone or is in the future, when
    the source's plan has no rollback (Essential plans), or when the time is before the
    source database existed or older than its plan's window (4 days on Standard, 1 week on
    Premium, Private and Shield).
  - Idempotent by O(name) - an add-on of that name is returned as it is.
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
options:
  app:
    description: Name of the app whose database is rolled back or forked.
    type: str
    required: true
  database:
    description:
      - The source database - a config var (C(DATABASE_URL)), an attachment or an add-on name.
    type: str
    default: DATABASE_URL
  to:
    description:
      - The time to roll back to, with its UTC offset, for example C(2026-12-01 14:04+00).
      - Required unless O(fork=true).
    type: str
  fork:
    description: Create a fork (the database as it is now) instead of a rollback.
    type: bool
    default: false
  plan:
    description: Plan of the new database; by default the source's plan.
    type: str
  name:
    description: Globally unique name of the new add-on; makes the task idempotent.
    type: str
  wait:
    description: Wait until the new database is provisioned (the recovery has finished).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for provisioning.
    type: int
    default: 1800
"""

EXAMPLES = r"""
- name: Create the database as it was at 14:04 UTC
  skillstream.heroku.pg_rollback:
    app: skillstream-production
    to: "2026-12-01 14:04+00"
  register: rolled

- name: Fork the production database as it is now
  skillstream.heroku.pg_rollback:
    app: skillstream-production
    fork: true
    name: skillstream-production-fork
"""

RETURN = r"""
addon:
  description: The new add-on (its C(state), C(plan) and the C(config_vars) it sets).
  returned: always
  type: dict
  sample: {"name": "postgresql-cubic-12345", "state": "provisioned",
           "config_vars": ["HEROKU_POSTGRESQL_BLUE_URL"]}
attachment:
  description: The new database's attachment name on the app (its config var without C(_URL)).
  returned: always
  type: str
  sample: HEROKU_POSTGRESQL_BLUE
source:
  description: The source add-on's name and plan.
  returned: always
  type: dict
  sample: {"name": "postgresql-shaped-54321", "plan": "heroku-postgresql:standard-0"}
target_time:
  description: The time rolled back to, in UTC (empty for a fork).
  returned: always
  type: str
  sample: "2026-12-01 14:04:00 UTC"
"""

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    ModuleFailure,
    app_path,
    segment,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.pitr import (
    describe,
    parse_time,
    plan_problem,
    time_problem,
    window_problem,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.resources import (
    resolve_database,
    wait_addon_provisioned,
)


def _checked_time(p):
    """The target time, refused before any API call when it cannot be right."""
    if p["fork"]:
        if p["to"]:
            raise ModuleFailure("give either to (a rollback) or fork=true, not both")
        return None
    if not p["to"]:
        raise ModuleFailure("to is required for a rollback (or set fork=true)")
    problem = time_problem(p["to"])
    if problem:
        raise ModuleFailure("Refusing to roll back to %s: %s" % (p["to"], problem))
    return parse_time(p["to"])


def _result(changed, addon, source, target):
    attachment = ((addon.get("config_vars") or [""])[0] or "").rsplit("_URL", 1)[0]
    view = {"name": addon.get("name"), "plan": (addon.get("plan") or {}).get("name")}
    return {
        "changed": changed,
        "addon": addon,
        "attachment": attachment,
        "source": source,
        "target_time": describe(target) if target else "",
        "diff": {"before": {} if changed else view, "after": view},
    }


def run(hm):
    client, p = hm.client, hm.params
    app = p["app"]
    target = _checked_time(p)
    if p["name"]:
        found = client.get(app_path(app, "addons", p["name"]), missing_ok=True)
        if found:
            if p["wait"] and not hm.check_mode:
                found = wait_addon_provisioned(client, app, found, p["wait_timeout"])
            return _result(False, found, {}, target)
    ref = resolve_database(client, app, p["database"])
    source = client.get("/addons/%s" % segment(ref["id"]))
    source_view = {"name": source.get("name"), "plan": (source.get("plan") or {}).get("name")}
    plan = p["plan"] or source_view["plan"]
    for problem in (plan_problem(source_view["plan"]), plan_problem(plan)):
        if problem:
            raise ModuleFailure("Refusing the %s of %s: %s" % (
                "fork" if p["fork"] else "rollback", source_view["name"], problem))  # fmt: skip
    if target is not None:
        problem = window_problem(target, source_view["plan"], source.get("created_at") or "")
        if problem:
            raise ModuleFailure("Refusing to roll back %s: %s" % (source_view["name"], problem))
    if hm.check_mode:
        planned = {"name": p["name"], "plan": {"name": plan}, "state": "provisioning",
                   "config_vars": []}  # fmt: skip
        return _result(True, planned, source_view, target)
    config = {"fork": source_view["name"]}
    if target is not None:
        config = {"rollback": source_view["name"], "to": target.isoformat()}
    body = {"plan": plan, "config": config}
    if p["name"]:
        body["name"] = p["name"]
    addon = client.post(app_path(app, "addons"), body)
    if p["wait"]:
        addon = wait_addon_provisioned(client, app, addon, p["wait_timeout"])
    return _result(True, addon, source_view, target)


def main():
    spec = dict(
        app=dict(type="str", required=True),
        database=dict(type="str", default="DATABASE_URL"),
        to=dict(type="str"),
        fork=dict(type="bool", default=False),
        plan=dict(type="str"),
        name=dict(type="str"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
    )
    HerokuModule(spec).run(run)


if __name__ == "__main__":
    main()
