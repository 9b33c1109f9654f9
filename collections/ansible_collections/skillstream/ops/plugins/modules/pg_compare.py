#!/usr/bin/python
# ruff: noqa: E402
"""Compare a candidate database (a rollback, a fork) with the app's current one, table by table."""

from __future__ import annotations

DOCUMENTATION = r"""
module: pg_compare
short_description: Row counts of every table of two databases side by side
version_added: 1.0.0
description:
  - Counts the rows of every user table of the app's current database and of a candidate
    database (for example a rollback made by M(skillstream.heroku.pg_rollback) before it is
    promoted), and returns them side by side.
  - Fails when a table of the current database is missing from the candidate, so a
    candidate that lacks the app's tables is never promoted.
  - Reads only; URLs and passwords are never returned.
extends_documentation_fragment:
  - skillstream.ops.store.database
options:
  candidate_var:
    description:
      - The config var of the app that holds the candidate's URL (C(HEROKU_POSTGRESQL_BLUE_URL)).
    type: str
    required: true
  require_tables:
    description: Fail when the candidate lacks a table the current database has.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Check the rollback database before promoting it
  skillstream.ops.pg_compare:
    app: skillstream-production
    candidate_var: "{{ rolled.attachment }}_URL"
  register: compared
"""

RETURN = r"""
tables:
  description: Every table of either database with its rows in each (null where absent).
  returned: always
  type: list
  elements: dict
  sample: [{"table": "public.courses_course", "current": 12, "candidate": 10}]
missing:
  description: Tables of the current database the candidate lacks.
  returned: always
  type: list
  elements: str
report:
  description: The comparison as lines of text, for a person to read.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.skillstream.ops.plugins.module_utils.module_common import (
    database_spec,
    database_url_from,
)
from ansible_collections.skillstream.ops.plugins.module_utils.pgconn import table_row_counts


def main() -> None:
    """Run the module."""
    spec = dict(database_spec())
    spec.update(
        candidate_var=dict(type="str", required=True),
        require_tables=dict(type="bool", default=True),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    current_url = database_url_from(module)
    candidate_url = database_url_from(module, module.params["candidate_var"])
    try:
        current, candidate = table_row_counts(current_url), table_row_counts(candidate_url)
    except Exception as exc:  # psql failures name the database, never the password
        module.fail_json(msg="counting rows failed: %s" % exc)
    names = sorted(set(current) | set(candidate))
    tables = [{"table": n, "current": current.get(n), "candidate": candidate.get(n)} for n in names]
    missing = [n for n in sorted(current) if n not in candidate]
    width = max([len(n) for n in names] + [5])
    report = ["%-*s %10s %10s" % (width, "table", "current", "candidate")] + [
        "%-*s %10s %10s" % (width, t["table"], t["current"], t["candidate"]) for t in tables
    ]
    result = {"changed": False, "tables": tables, "missing": missing, "report": report}
    if missing and module.params["require_tables"]:
        module.fail_json(
            msg="the candidate database lacks tables of the current one: %s" % ", ".join(missing),
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
