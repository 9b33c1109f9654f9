#!/usr/bin/python
# ruff: noqa: E402
"""Stream a PostgreSQL database into S3 as an off-site backup with a manifest."""

from __future__ import annotations

DOCUMENTATION = r"""
module: pg_offsite_backup
short_description: Back up a PostgreSQL database to S3, streamed, with a manifest
version_added: 1.0.0
description:
  - Runs C(pg_dump --format=custom) and streams its output straight into an S3 multipart
    upload; the dump is never staged whole on disk or in memory (memory is bounded by
    O(part_size_mib) times O(max_inflight) plus one).
  - The SHA-256 is computed on the way. Exact row counts of every table are taken inside the
    same exported snapshot that pg_dump uses, so they describe the dump itself.
  - The manifest C(<name>.manifest.json) (size, SHA-256, row counts, app release, times,
    status) is written only after the object is complete. A run that fails or is killed
    leaves no manifest, so it is never taken for a good backup.
extends_documentation_fragment:
  - skillstream.ops.store
  - skillstream.ops.store.database
options:
  release:
    description: The app release the backup belongs to (recorded in the manifest).
    type: str
    default: ""
  label:
    description: A suffix for the backup's name, for example C(pre-restore).
    type: str
    default: ""
  part_size_mib:
    description: Size of each multipart part in MiB (at least 5).
    type: int
    default: 8
  max_inflight:
    description: Parts uploaded concurrently while pg_dump keeps writing.
    type: int
    default: 2
attributes:
  check_mode:
    support: full
    description: Reports that a backup would be taken; takes none.
author:
  - SkillStream operations
"""

EXAMPLES = r"""
- name: Back up the app's database off-site
  skillstream.ops.pg_offsite_backup:
    app: skillstream-production
    bucket: skillstream-production-backups
    prefix: skillstream-production/
    release: v42
"""

RETURN = r"""
backup:
  description: The manifest written for the backup.
  returned: success and not check mode
  type: dict
  sample:
    name: 20261126T020000Z
    key: skillstream-production/20261126T020000Z.dump
    size: 1048576
    sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    tables: {public.videos: 120}
    row_total: 120
    status: complete
name:
  description: The backup's name.
  returned: success and not check mode
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.skillstream.ops.plugins.module_utils.module_common import (
    database_spec,
    database_url_from,
    missing_boto3,
    s3_from,
    store_spec,
)
from ansible_collections.skillstream.ops.plugins.module_utils.offsite import BackupError, run_backup
from ansible_collections.skillstream.ops.plugins.module_utils.s3stream import MIB


def main() -> None:
    """Run the module."""
    spec = dict(store_spec(), **database_spec())
    spec.update(
        release={"type": "str", "default": ""},
        label={"type": "str", "default": ""},
        part_size_mib={"type": "int", "default": 8},
        max_inflight={"type": "int", "default": 2},
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if missing_boto3():
        module.fail_json(msg="boto3 is required")
    p = module.params
    if p["part_size_mib"] < 5:
        module.fail_json(msg="part_size_mib must be at least 5 (S3's minimum part size)")
    if p["max_inflight"] < 1:
        module.fail_json(msg="max_inflight must be at least 1")
    url = database_url_from(module)
    if module.check_mode:
        module.exit_json(changed=True, msg="a backup would be taken")
    try:
        manifest = run_backup(
            s3_from(p),
            url,
            p["bucket"],
            p["prefix"],
            app=p["app"] or "",
            release=p["release"],
            label=p["label"],
            part_size=p["part_size_mib"] * MIB,
            max_inflight=p["max_inflight"],
        )
    except BackupError as exc:
        module.fail_json(msg="off-site backup failed: %s" % exc)
    module.exit_json(changed=True, backup=manifest, name=manifest["name"])


if __name__ == "__main__":
    main()
