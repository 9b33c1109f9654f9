#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pg_backups
short_description: Heroku Postgres backups, schedules and restores
version_added: 1.0.0
description:
  - Drives the Heroku Postgres data API (C(/client/v11/...)) the way C(heroku pg:backups) does.
  - V(capture) takes a backup and waits for it; V(schedule) sets the daily backup hour
    (idempotent by hour and time zone); V(unschedule) removes it; V(list), V(info) and
    V(url) read; V(restore) overwrites the database from a backup and waits.
  - V(restore) requires O(confirm) set to the app name, like the Heroku CLI.
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
  - skillstream.heroku.options.app
options:
  action:
    description: What to do.
    type: str
    required: true
    choices: [capture, schedule, unschedule, list, info, url, restore]
  database:
    description: Attachment (config var) of the database, for example C(DATABASE_URL).
    type: str
    default: DATABASE_URL
  hour:
    description: Hour of the day (0-23) of the scheduled backup. Required for V(schedule).
    type: int
  timezone:
    description: Time zone of O(hour) (a tz database name).
    type: str
    default: UTC
  backup:
    description:
      - Backup to read, link or restore, as C(b007), C(7) or V(latest) (the newest that
        succeeded).
    type: str
    default: latest
  backup_url:
    description: Restore from this URL (a dump reachable over HTTPS) instead of O(backup).
    type: str
  confirm:
    description: Must equal O(app) for V(restore); the restore replaces every table.
    type: str
  wait:
    description: Wait until a capture or restore finished.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for a capture or restore.
    type: int
    default: 3600
"""

EXAMPLES = r"""
- name: Take a backup now
  skillstream.heroku.pg_backups:
    app: skillstream-production
    action: capture
  register: backups_capture

- name: Back up every night at 02:00 Berlin time
  skillstream.heroku.pg_backups:
    app: skillstream-production
    action: schedule
    hour: 2
    timezone: Europe/Berlin

- name: Get a download link of the newest backup
  skillstream.heroku.pg_backups:
    app: skillstream-production
    action: url
    backup: latest

- name: Restore the staging database from a backup
  skillstream.heroku.pg_backups:
    app: skillstream-staging
    action: restore
    backup: b012
    confirm: skillstream-staging
"""

RETURN = r"""
backup:
  description:
    - The backup captured, read or restored from (a transfer), with its C(name) such as C(b007).
  returned: for capture, info, url and restore
  type: dict
  sample: {"name": "b007", "num": 7, "succeeded": true, "processed_bytes": 12345}
backups:
  description: Every backup of the app, oldest first.
  returned: for list
  type: list
  elements: dict
url:
  description: A short-lived public download URL of the backup.
  returned: for url
  type: str
schedule:
  description: The schedule named O(database) after the run; empty when there is none.
  returned: for schedule and unschedule
  type: dict
  sample: {"name": "DATABASE_URL", "hour": 2, "timezone": "Europe/Berlin", "uuid": "..."}
schedules:
  description: The backup schedules of the database after the run.
  returned: for schedule, unschedule and list
  type: list
  elements: dict
  sample: [{"name": "DATABASE_URL", "hour": 2, "timezone": "Europe/Berlin"}]
restore:
  description: The restore transfer.
  returned: for restore
  type: dict
"""

import re

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    ModuleFailure,
    app_path,
    segment,
    tail,
    wait_for,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.resource import HerokuResource
from ansible_collections.skillstream.heroku.plugins.module_utils.resources import (
    resolve_database,
)


def data_path(*parts):
    """``/client/v11/<parts...>`` of the Postgres data API, each segment quoted."""
    return "/client/v11/" + "/".join(segment(part) for part in parts)


def _named(transfer):
    transfer = dict(transfer)
    if transfer.get("num") is not None:
        transfer["name"] = "b%03d" % int(transfer["num"])
    return transfer


def list_backups(client, app):
    transfers = client.get_all(data_path("apps", app, "transfers"), api="data")
    backups = [
        _named(t)
        for t in transfers
        if t.get("from_type") == "pg_dump" and t.get("to_type") == "gof3r"
    ]
    return sorted(backups, key=lambda t: int(t.get("num") or 0))


def find_backup(client, app, wanted):
    if wanted == "latest":
        done = [b for b in list_backups(client, app) if b.get("succeeded")]
        if not done:
            raise ModuleFailure("App %s has no successful backup yet" % app)
        return done[-1]
    match = re.match(r"^[a-z]?(\d+)$", wanted.strip(), re.IGNORECASE)
    if not match:
        raise ModuleFailure("backup must be 'latest', 'b007' or 7, got %r" % wanted)
    num = int(match.group(1))
    path = data_path("apps", app, "transfers", num) + "?verbose=true"
    found = client.get(path, api="data", missing_ok=True)
    if not found:
        raise ModuleFailure("Backup b%03d of app %s does not exist" % (num, app))
    return _named(found)


def _logs(transfer):
    lines = []
    for entry in transfer.get("logs") or []:
        lines.append(entry.get("message", "") if isinstance(entry, dict) else str(entry))
    return tail("\n".join(lines))


def wait_transfer(client, path, timeout, what):
    transfer = wait_for(
        lambda: client.get(path, api="data"),
        lambda t: t.get("finished_at") or t.get("canceled_at"),
        timeout,
        what,
        interval=2.0,
        max_interval=10.0,
    )
    if not transfer.get("succeeded"):
        raise ModuleFailure(
            "%s failed. Logs (tail):\n%s" % (what.capitalize(), _logs(transfer)),
            backup=_named(transfer),
        )
    return _named(transfer)


def do_capture(hm, app, db):
    if hm.check_mode:
        return {"changed": True, "backup": {}}
    client, p = hm.client, hm.params
    transfer = client.post(data_path("databases", db["id"], "backups"), api="data")
    if p["wait"]:
        path = data_path("apps", app, "transfers", transfer["uuid"])
        transfer = wait_transfer(client, path, p["wait_timeout"], "backup of %s" % app)
    return {"changed": True, "backup": _named(transfer)}


def list_schedules(client, db_id):
    return client.get(data_path("databases", db_id, "transfer-schedules"), api="data") or []


class Schedule(HerokuResource):
    """The database's backup schedule. Heroku has no PATCH for it: a POST of the same name
    replaces it (as `heroku pg:backups:schedule` does)."""

    result_key = "schedule"
    api = "data"

    def __init__(self, hm, db):
        super().__init__(hm)
        self.db_id = db["id"]
        self.listed = []  # what find() read: the result's schedules when nothing was written

    @property
    def wanted_state(self):
        return "absent" if self.params["action"] == "unschedule" else "present"

    def find(self):
        self.listed = list_schedules(self.client, self.db_id)
        mine = [s for s in self.listed if s.get("name") == self.params["database"]]
        return mine[0] if mine else None

    def create_path(self):
        return data_path("databases", self.db_id, "transfer-schedules")

    def create_body(self):
        p = self.params
        return {"hour": "%02d" % p["hour"], "timezone": p["timezone"],
                "schedule_name": p["database"]}  # fmt: skip

    def item_path(self, found):
        return data_path("databases", self.db_id, "transfer-schedules", found["uuid"])

    def updates(self, found):
        p = self.params
        same = int(found.get("hour")) == p["hour"] and found.get("timezone") == p["timezone"]
        return {} if same else self.create_body()

    def update(self, found, changes):
        return self.create(changes)

    def view(self, resource):
        if not resource:
            return {}
        name = resource.get("name") or resource.get("schedule_name")
        return {name: "%02d:00 %s" % (int(resource["hour"]), resource["timezone"])}


def do_schedule(hm, db):
    hour = hm.params["hour"]
    if hm.params["action"] == "schedule" and (hour is None or not 0 <= hour <= 23):
        raise ModuleFailure("action=schedule needs hour between 0 and 23, got %s" % hour)
    schedule = Schedule(hm, db)
    result = schedule.ensure()
    wrote = result["changed"] and not hm.check_mode
    result["schedules"] = list_schedules(hm.client, db["id"]) if wrote else schedule.listed
    return result


def do_restore(hm, app, db):
    client, p = hm.client, hm.params
    if p["confirm"] != app:
        raise ModuleFailure(
            "Restoring overwrites every table of %s on app %s; set confirm: %s "
            "to proceed" % (p["database"], app, app)
        )
    if p["backup_url"]:
        source, backup_url = {}, p["backup_url"]
    else:
        source = find_backup(client, app, p["backup"])
        if not source.get("succeeded"):
            raise ModuleFailure(
                "Backup %s of app %s did not succeed; refusing to restore it"
                % (source.get("name"), app)
            )
        backup_url = source.get("to_url")
    result = {
        "changed": True,
        "backup": source,
        "diff": {
            "before": {p["database"]: "current data"},
            "after": {p["database"]: "restored from %s" % (source.get("name") or "backup_url")},
        },
    }
    if hm.check_mode:
        return result
    app_id = client.get(app_path(app))["id"]
    body = {"backup_url": backup_url}
    restore = client.post(data_path("databases", db["id"], "restores"), body, api="data")
    if p["wait"]:
        path = data_path("apps", app_id, "transfers", restore["uuid"])
        restore = wait_transfer(client, path, p["wait_timeout"], "restore of %s" % app)
    result["restore"] = restore
    return result


def run(hm):
    client, p = hm.client, hm.params
    app, action = p["app"], p["action"]
    db = resolve_database(client, app, p["database"])
    if action == "capture":
        return do_capture(hm, app, db)
    if action in ("schedule", "unschedule"):
        return do_schedule(hm, db)
    if action == "restore":
        return do_restore(hm, app, db)
    if action == "list":
        return {
            "changed": False,
            "backups": list_backups(client, app),
            "schedules": list_schedules(client, db["id"]),
        }
    backup = find_backup(client, app, p["backup"])
    if action == "info":
        return {"changed": False, "backup": backup}
    path = data_path("apps", app, "transfers", int(backup["num"]), "actions", "public-url")
    link = client.post(path, api="data")
    return {"changed": False, "backup": backup, "url": link.get("url")}


def main():
    spec = dict(
        app=dict(type="str", required=True),
        action=dict(
            type="str",
            required=True,
            choices=["capture", "schedule", "unschedule", "list", "info", "url", "restore"],
        ),
        database=dict(type="str", default="DATABASE_URL"),
        hour=dict(type="int"),
        timezone=dict(type="str", default="UTC"),
        backup=dict(type="str", default="latest"),
        backup_url=dict(type="str"),
        confirm=dict(type="str"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=3600),
    )
    HerokuModule(
        spec,
        required_if=[("action", "schedule", ["hour"]), ("action", "restore", ["confirm"])],
    ).run(run)


if __name__ == "__main__":
    main()
