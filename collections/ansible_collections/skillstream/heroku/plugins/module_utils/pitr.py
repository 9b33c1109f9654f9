# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Point-in-time recovery decisions, in one place: which plans keep a rollback window and how
long, and what a rollback time must look like. Used by pg_rollback and by the
pitr_time_problem filter, which checks restore.yml's input before any API call."""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import re
from datetime import datetime, timedelta, timezone
from typing import Optional

# Heroku Postgres rollback window by plan tier; Essential plans have none.
ROLLBACK_DAYS = {"standard": 4, "premium": 7, "private": 7, "shield": 7}
TIERS = "Standard, Premium, Private or Shield"
_SHORT_OFFSET = re.compile(r"([+-]\d{2})$")


def rollback_days(plan: str) -> Optional[int]:
    """Days of rollback a plan keeps (``heroku-postgresql:standard-0`` or ``standard-0``)."""
    return ROLLBACK_DAYS.get((plan or "").rpartition(":")[2].split("-")[0])


def plan_problem(plan: str) -> str:
    """Why a plan cannot roll back, naming it; '' when it can."""
    if rollback_days(plan):
        return ""
    return "the %s plan has no rollback (no continuous protection); it needs a %s plan" % (
        plan,
        TIERS,
    )


def parse_time(text: str) -> datetime:
    """A timestamp with its zone (``2026-12-01 14:04+00``, ``...T14:04:00Z``), in UTC.

    Raises ValueError naming what is wrong: a time without a zone is ambiguous (the control
    host's zone is not the database's), so it is refused rather than guessed."""
    raw = (text or "").strip()
    value = raw.replace(" UTC", "+00:00")
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    value = _SHORT_OFFSET.sub(r"\1:00", value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            "%r is not a timestamp; use the form '2026-12-01 14:04+00' (date, time, UTC offset)"
            % raw
        ) from None
    if moment.tzinfo is None:
        raise ValueError("%r has no time zone; add one, for example '%s+00' for UTC" % (raw, raw))
    return moment.astimezone(timezone.utc)


def time_problem(text: str, now: Optional[datetime] = None) -> str:
    """What is wrong with a rollback time given alone (no API call): '' when nothing."""
    try:
        moment = parse_time(text)
    except ValueError as exc:
        return str(exc)
    now = now or datetime.now(timezone.utc)
    if moment > now:
        return "%s is in the future (now is %s); a rollback goes back in time" % (
            describe(moment),
            describe(now),
        )
    return ""


def window_problem(
    moment: datetime, plan: str, created_at: str, now: Optional[datetime] = None
) -> str:
    """What keeps ``moment`` out of the rollback window of a database of ``plan`` created at
    ``created_at`` (ISO 8601): '' when it is inside."""
    days = rollback_days(plan)
    if not days:
        return plan_problem(plan)
    now = now or datetime.now(timezone.utc)
    created = parse_time(created_at)
    earliest = max(created, now - timedelta(days=days))
    if moment < earliest:
        reason = "the database was created at %s" % describe(created)
        if earliest > created:
            reason = "%s keeps %d days of rollback" % (plan, days)
        return "%s is before the earliest rollback point %s (%s)" % (
            describe(moment),
            describe(earliest),
            reason,
        )
    return ""


def describe(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
