"""The point-in-time recovery rules of module_utils/pitr.py: plans, windows, time format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ansible_collections.skillstream.heroku.plugins.module_utils import pitr

NOW = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("plan", "days"),
    [("heroku-postgresql:standard-0", 4), ("premium-2", 7), ("heroku-postgresql:shield-0", 7),
     ("heroku-postgresql:essential-0", None), ("", None)],
)  # fmt: skip
def test_rollback_days_by_plan_tier(plan: str, days: int | None) -> None:
    assert pitr.rollback_days(plan) == days


@pytest.mark.parametrize(
    "text",
    ["2026-12-01 14:04+00", "2026-12-01T14:04:00Z", "2026-12-01 15:04+01:00",
     "2026-12-01 14:04:00 UTC"],
)  # fmt: skip
def test_times_with_a_zone_are_read_as_utc(text: str) -> None:
    assert pitr.parse_time(text) == datetime(2026, 12, 1, 14, 4, tzinfo=UTC)


def test_time_problems_name_what_is_wrong() -> None:
    assert "has no time zone" in pitr.time_problem("2026-12-01 14:04", NOW)
    assert "is not a timestamp" in pitr.time_problem("yesterday", NOW)
    assert "is in the future" in pitr.time_problem("2026-12-01 14:31+00", NOW)
    assert pitr.time_problem("2026-12-01 14:29+00", NOW) == ""


def test_window_starts_at_creation_or_the_plan_days_back() -> None:
    created = "2026-11-30T10:00:00Z"
    inside = datetime(2026, 11, 30, 10, 1, tzinfo=UTC)
    assert pitr.window_problem(inside, "standard-0", created, NOW) == ""
    before = pitr.window_problem(inside - timedelta(hours=1), "standard-0", created, NOW)
    assert "the database was created at 2026-11-30 10:00:00 UTC" in before
    old = "2026-01-01T00:00:00Z"
    five_days = NOW - timedelta(days=5)
    assert "keeps 4 days of rollback" in pitr.window_problem(five_days, "standard-0", old, NOW)
    assert pitr.window_problem(five_days, "premium-0", old, NOW) == ""
    assert "has no rollback" in pitr.window_problem(inside, "essential-0", created, NOW)
