#!/usr/bin/python
# ruff: noqa: E402
"""Copy the app's SQLite database into its PostgreSQL database and verify row counts."""

from __future__ import annotations

DOCUMENTATION = r"""
module: sqlite_to_postgres
short_description: Move an SQLite database of the app into PostgreSQL, verified
version_added: 1.0.0
description:
  - Copies every table of the SQLite file that also exists in the PostgreSQL database
    (whose schema the app's migrations made) with COPY, in one transaction, keeping primary
    keys; moves sequences past the copied keys; compares the row count of every table.
  - Refuses, before writing anything, when the target lacks a migration the SQLite database
    has, when a table or column is missing on the target, or when target tables already
    hold rows (except the ones Django's migrate fills itself) and O(replace) is not set.
  - A failure rolls the whole copy back.
extends_documentation_fragment:
  - skillstream.ops.store.database
options:
  sqlite_path:
    description: The SQLite database file (opened read-only).
    type: path
    required: true
  exclude_tables:
    description: Tables not copied (C(django_migrations) never is).
    type: list
    elements: str
    default: []
  replace:
    description: Overwrite target tables that already hold rows.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Checks everything and reports the plan; copies nothing.
author:
  - SkillStream operations
"""

EXAMPLES = r"""
- name: Move the SQLite database into Heroku Postgres
  skillstream.ops.sqlite_to_postgres:
    app: skillstream-production
    sqlite_path: /srv/old-site/db.sqlite3
"""

RETURN = r"""
tables:
  description: Row counts per table, C(sqlite) and C(postgresql).
  returned: success
  type: dict
  sample: {videos_video: {sqlite: 120, postgresql: 120}}
rows:
  description: Rows copied.
  returned: success
  type: int
mismatches:
  description: Tables whose counts differ (the module fails when there is any).
  returned: always
  type: list
  elements: dict
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.skillstream.ops.plugins.module_utils.module_common import (
    database_spec,
    database_url_from,
)
from ansible_collections.skillstream.ops.plugins.module_utils.pgconn import PgError
from ansible_collections.skillstream.ops.plugins.module_utils.sqlite_copy import (
    CopyError,
    plan_copy,
    run_copy,
)


def main() -> None:
    """Run the module."""
    spec = database_spec()
    spec.update(
        sqlite_path={"type": "path", "required": True},
        exclude_tables={"type": "list", "elements": "str", "default": []},
        replace={"type": "bool", "default": False},
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    p = module.params
    if not os.path.isfile(p["sqlite_path"]):
        module.fail_json(msg="no SQLite database at %s" % p["sqlite_path"])
    url = database_url_from(module)
    try:
        plan = plan_copy(p["sqlite_path"], url, p["exclude_tables"], p["replace"])
        if plan["problems"]:
            module.fail_json(msg="cannot copy: " + "; ".join(plan["problems"]), mismatches=[])
        if module.check_mode:
            module.exit_json(
                changed=True,
                tables={t: {"sqlite": n} for t, n in plan["source_counts"].items()},
                rows=sum(plan["source_counts"].values()),
                mismatches=[],
            )
        result = run_copy(p["sqlite_path"], url, plan)
    except (CopyError, PgError) as exc:
        module.fail_json(msg=str(exc), mismatches=[])
    if result["mismatches"]:
        module.fail_json(msg="row counts differ after the copy", **result)
    module.exit_json(changed=True, **result)


if __name__ == "__main__":
    main()
