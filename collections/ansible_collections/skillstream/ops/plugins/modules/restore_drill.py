#!/usr/bin/python
# ruff: noqa: E402
"""Prove that an off-site backup restores: scratch database, row counts, drop."""

from __future__ import annotations

DOCUMENTATION = r"""
module: restore_drill
short_description: Restore an off-site backup into a scratch database and check it
version_added: 1.0.0
description:
  - Creates a scratch database through O(admin_url), streams the backup from S3 into
    C(pg_restore) while checking its SHA-256, compares the row count of every table with
    the manifest, and drops the scratch database whatever happened.
  - The result is recorded beside the backup as C(<name>.drill.json). A backup whose last
    drill failed no longer counts as good for retention or restores.
  - The module fails when the drill fails, so a playbook stops loudly.
extends_documentation_fragment:
  - skillstream.ops.store
options:
  backup:
    description: Name of the backup to drill, or C(latest) for the newest good one.
    type: str
    default: latest
  admin_url:
    description:
      - A PostgreSQL server where the drill may create and drop a scratch database, as a
        URL of a role with CREATEDB. Never the production database server.
    type: str
    default: postgresql://postgres@127.0.0.1:5432/postgres
  record:
    description: Write the result beside the backup.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Names the backup that would be drilled; restores nothing.
author:
  - SkillStream operations
"""

EXAMPLES = r"""
- name: Prove the newest backup restores
  skillstream.ops.restore_drill:
    bucket: skillstream-production-backups
    prefix: skillstream-production/
    backup: latest
"""

RETURN = r"""
drill:
  description: The drill's result, as recorded.
  returned: always except check mode
  type: dict
  sample:
    name: 20261126T020000Z
    status: passed
    tables_checked: 12
    rows_checked: 48211
    mismatches: []
    scratch_dropped: true
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.skillstream.ops.plugins.module_utils.backup_store import (
    latest_good,
    list_backups,
)
from ansible_collections.skillstream.ops.plugins.module_utils.module_common import (
    missing_boto3,
    s3_from,
    store_spec,
)
from ansible_collections.skillstream.ops.plugins.module_utils.offsite import BackupError, run_drill


def main() -> None:
    """Run the module."""
    spec = dict(store_spec())
    spec.update(
        backup={"type": "str", "default": "latest"},
        admin_url={
            "type": "str",
            "default": "postgresql://postgres@127.0.0.1:5432/postgres",
            "no_log": True,
        },
        record={"type": "bool", "default": True},
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if missing_boto3():
        module.fail_json(msg="boto3 is required")
    p = module.params
    client = s3_from(p)
    name = p["backup"]
    if name == "latest":
        newest = latest_good(list_backups(client, p["bucket"], p["prefix"]))
        if newest is None:
            module.fail_json(msg="no good backup under s3://%s/%s" % (p["bucket"], p["prefix"]))
        name = newest["name"]
    if module.check_mode:
        module.exit_json(changed=False, msg="backup %s would be drilled" % name, name=name)
    try:
        result = run_drill(client, p["bucket"], p["prefix"], name, p["admin_url"], p["record"])
    except BackupError as exc:
        module.fail_json(msg="restore drill of %s could not run: %s" % (name, exc))
    if result["status"] != "passed":
        module.fail_json(
            msg="RESTORE DRILL FAILED for backup %s: %s" % (name, result["error"]), drill=result
        )
    module.exit_json(changed=p["record"], drill=result)


if __name__ == "__main__":
    main()
