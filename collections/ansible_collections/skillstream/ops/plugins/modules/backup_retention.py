#!/usr/bin/python
# ruff: noqa: E402
"""Keep N daily, weekly and monthly good off-site backups; prune the rest."""

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_retention
short_description: Prune off-site backups by a daily, weekly and monthly policy
version_added: 1.0.0
description:
  - Keeps the newest good backup of each of the newest O(keep_daily) days, O(keep_weekly)
    ISO weeks and O(keep_monthly) months that have one, and deletes the other good backups.
  - The newest good backup is never deleted, whatever the numbers.
  - Only good backups count (complete manifest, dump of the manifest's size, no failed
    drill). A backup that is not good is deleted only once older than O(bad_grace_hours),
    so a run still writing is never disturbed; multipart uploads left by killed runs are
    aborted after the same grace.
  - In a versioned bucket a deletion leaves a noncurrent version, which the bucket's
    lifecycle rule expires later, so a wrong prune can be undone until then.
extends_documentation_fragment:
  - skillstream.ops.store
options:
  keep_daily:
    description: Number of days to keep one backup for.
    type: int
    default: 7
  keep_weekly:
    description: Number of ISO weeks to keep one backup for.
    type: int
    default: 4
  keep_monthly:
    description: Number of months to keep one backup for.
    type: int
    default: 6
  bad_grace_hours:
    description: Age after which a backup that is not good, or an unfinished upload, is removed.
    type: float
    default: 48
attributes:
  check_mode:
    support: full
    description: Returns what would be kept and deleted; deletes nothing.
author:
  - SkillStream operations
"""

EXAMPLES = r"""
- name: Prune old off-site backups
  skillstream.ops.backup_retention:
    bucket: skillstream-production-backups
    prefix: skillstream-production/
    keep_daily: 7
    keep_weekly: 4
    keep_monthly: 12
"""

RETURN = r"""
kept:
  description: Backups kept, each with C(kept_for) (newest, daily, weekly, monthly).
  returned: always
  type: list
  elements: dict
deleted:
  description: Backups deleted (or that would be, in check mode).
  returned: always
  type: list
  elements: dict
not_good_waiting:
  description: Backups that are not good and younger than the grace; left alone.
  returned: always
  type: list
  elements: dict
aborted_uploads:
  description: Unfinished multipart uploads aborted.
  returned: always
  type: list
  elements: dict
newest_good:
  description: The newest good backup.
  returned: always
  type: dict
good_count:
  description: How many good backups there were before pruning.
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.skillstream.ops.plugins.module_utils.module_common import (
    missing_boto3,
    s3_from,
    store_spec,
)
from ansible_collections.skillstream.ops.plugins.module_utils.pruning import (
    apply_retention,
    plan_retention,
    summary,
)


def main() -> None:
    """Run the module."""
    spec = dict(store_spec())
    spec.update(
        keep_daily={"type": "int", "default": 7},
        keep_weekly={"type": "int", "default": 4},
        keep_monthly={"type": "int", "default": 6},
        bad_grace_hours={"type": "float", "default": 48},
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if missing_boto3():
        module.fail_json(msg="boto3 is required")
    p = module.params
    for key in ("keep_daily", "keep_weekly", "keep_monthly"):
        if p[key] < 0:
            module.fail_json(msg="%s must not be negative" % key)
    client = s3_from(p)
    plan = plan_retention(
        client,
        p["bucket"],
        p["prefix"],
        p["keep_daily"],
        p["keep_weekly"],
        p["keep_monthly"],
        p["bad_grace_hours"],
    )
    changed = bool(plan["delete"] or plan["stale_uploads"])
    if changed and not module.check_mode:
        apply_retention(client, p["bucket"], plan)
    module.exit_json(changed=changed, **summary(plan))


if __name__ == "__main__":
    main()
