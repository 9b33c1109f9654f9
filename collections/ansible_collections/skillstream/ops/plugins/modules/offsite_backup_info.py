#!/usr/bin/python
# ruff: noqa: E402
"""List the off-site backups of an app and tell which one is the newest good one."""

from __future__ import annotations

DOCUMENTATION = r"""
module: offsite_backup_info
short_description: List off-site backups and their state
version_added: 1.0.0
description:
  - Lists the backups under a prefix, oldest first, each with C(status) (C(good),
    C(incomplete), C(broken), C(failed_drill)) and why.
extends_documentation_fragment:
  - skillstream.ops.store
attributes:
  check_mode:
    support: full
    description: Reads only.
author:
  - SkillStream operations
"""

EXAMPLES = r"""
- name: Find the newest good backup
  skillstream.ops.offsite_backup_info:
    bucket: skillstream-production-backups
    prefix: skillstream-production/
  register: backups_found
"""

RETURN = r"""
backups:
  description: Every backup, oldest first.
  returned: always
  type: list
  elements: dict
latest_good:
  description: The newest good backup, or null.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.skillstream.ops.plugins.module_utils.backup_store import (
    latest_good,
    list_backups,
    public_view,
)
from ansible_collections.skillstream.ops.plugins.module_utils.module_common import (
    missing_boto3,
    s3_from,
    store_spec,
)


def main() -> None:
    """Run the module."""
    module = AnsibleModule(argument_spec=store_spec(), supports_check_mode=True)
    if missing_boto3():
        module.fail_json(msg="boto3 is required")
    p = module.params
    backups = list_backups(s3_from(p), p["bucket"], p["prefix"])
    newest = latest_good(backups)
    module.exit_json(
        changed=False,
        backups=[public_view(b) for b in backups],
        latest_good=public_view(newest) if newest else None,
    )


if __name__ == "__main__":
    main()
