#!/usr/bin/python
# ruff: noqa: E402
"""Restore an off-site backup into a database, replacing what is there."""

from __future__ import annotations

DOCUMENTATION = r"""
module: pg_offsite_restore
short_description: Restore an off-site backup into a PostgreSQL database
version_added: 1.0.0
description:
  - Checks the backup's SHA-256 against its manifest, then streams it through
    C(pg_restore --clean --if-exists) into C(psql --single-transaction), so the database's
    objects are replaced in one transaction and a failing restore leaves the database as it was.
  - Tables that are not in the backup (made by a later migration) are dropped in the same
    transaction, so the app's next C(migrate) starts from the backup's state.
  - Row counts after the restore are compared with the manifest; a difference fails.
  - Destructive. Playbooks must ask for confirmation and take a safety backup first
    (see C(restore.yml)).
extends_documentation_fragment:
  - skillstream.ops.store
  - skillstream.ops.store.database
options:
  backup:
    description: Name of the backup to restore, or C(latest) for the newest good one.
    type: str
    default: latest
  verify_checksum:
    description: Stream the object once to verify its SHA-256 before restoring.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Names the backup that would be restored; changes nothing.
author:
  - SkillStream operations
"""

EXAMPLES = r"""
- name: Restore the newest good backup into the app's database
  skillstream.ops.pg_offsite_restore:
    app: skillstream-production
    bucket: skillstream-production-backups
    prefix: skillstream-production/
    backup: latest
"""

RETURN = r"""
restore:
  description: What was restored.
  returned: success and not check mode
  type: dict
  sample:
    name: 20261126T020000Z
    database: "host:5432/db"
    tables: 12
    rows: 48211
    dropped_tables: []
name:
  description: The backup restored (or that would be).
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.skillstream.ops.plugins.module_utils.backup_store import (
    latest_good,
    list_backups,
)
from ansible_collections.skillstream.ops.plugins.module_utils.module_common import (
    database_spec,
    database_url_from,
    missing_boto3,
    s3_from,
    store_spec,
)
from ansible_collections.skillstream.ops.plugins.module_utils.offsite import (
    BackupError,
    run_restore,
)
from ansible_collections.skillstream.ops.plugins.module_utils.pgconn import PgError


def main() -> None:
    """Run the module."""
    spec = dict(store_spec(), **database_spec())
    spec.update(
        backup={"type": "str", "default": "latest"},
        verify_checksum={"type": "bool", "default": True},
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if missing_boto3():
        module.fail_json(msg="boto3 is required")
    p = module.params
    client = s3_from(p)
    backups = list_backups(client, p["bucket"], p["prefix"])
    if p["backup"] == "latest":
        chosen = latest_good(backups)
        if chosen is None:
            module.fail_json(msg="no good backup under s3://%s/%s" % (p["bucket"], p["prefix"]))
    else:
        chosen = next((b for b in backups if b["name"] == p["backup"]), None)
        if chosen is None:
            module.fail_json(msg="no backup named %s" % p["backup"])
        if not chosen["good"]:
            module.fail_json(msg="backup %s is not good: %s" % (p["backup"], chosen["reason"]))
    url = database_url_from(module)
    if module.check_mode:
        module.exit_json(changed=True, name=chosen["name"])
    try:
        result = run_restore(
            client, p["bucket"], p["prefix"], chosen["name"], url, p["verify_checksum"]
        )
    except (BackupError, PgError) as exc:
        module.fail_json(
            msg="restore of %s failed: %s" % (chosen["name"], exc), name=chosen["name"]
        )
    module.exit_json(changed=True, restore=result, name=chosen["name"])


if __name__ == "__main__":
    main()
