"""Unit tests of single functions: Range pagination, fault specs, the state store, moto's
state file."""

from __future__ import annotations

import pytest

from localcloud.api.conventions import paginate
from localcloud.api.errors import ApiError
from localcloud.faults import FaultError, Faults, validate
from localcloud.moto_server import PersistedMoto
from localcloud.store import Store

ITEMS = [{"id": f"id-{i:02d}", "version": i} for i in range(1, 8)]


def test_paginate_orders_bounds_and_next_range() -> None:
    page, nxt = paginate(ITEMS, "version ..; max=3, order=desc", ("version", "id"))
    assert [i["version"] for i in page] == [7, 6, 5]
    assert nxt == "version ]5..; max=3, order=desc"
    page, nxt = paginate(ITEMS, nxt, ("version", "id"))
    assert [i["version"] for i in page] == [4, 3, 2]
    page, nxt = paginate(ITEMS, "version 2..4", ("version",))
    assert [i["version"] for i in page] == [2, 3, 4]
    assert nxt is None


def test_paginate_refuses_bad_ranges() -> None:
    for header in ("name ..", "version ..; max=5000", "garbage"):
        with pytest.raises(ApiError) as err:
            paginate(ITEMS, header, ("version", "id"))
        assert err.value.status == 416


def test_fault_validation_and_counting() -> None:
    with pytest.raises(FaultError):
        validate({"kind": "status", "status": 302})
    with pytest.raises(FaultError):
        validate({"kind": "hang"})
    with pytest.raises(FaultError):
        validate({"kind": "drop", "path": "("})
    faults = Faults()
    faults.add(
        validate({"kind": "status", "status": 500, "method": "GET", "path": "^/a", "count": 2})
    )
    assert faults.take_request("api", "POST", "/a") is None
    assert faults.take_request("aws", "GET", "/a") is None
    assert faults.take_request("api", "GET", "/a/b")["status"] == 500
    assert faults.take_request("api", "GET", "/a")["fired"] == 2
    assert faults.take_request("api", "GET", "/a") is None
    faults.add(validate({"kind": "build_fail", "app": "one"}))
    assert faults.take_event("build_fail", "two") is None
    assert faults.take_event("build_fail", "one") is not None


def test_store_keeps_order_and_survives_reopen(tmp_path) -> None:
    store = Store(tmp_path / "s.db")
    for i in range(3):
        store.put("release", {"id": f"r{i}", "version": i}, "app-1")
    store.put("release", {"id": "other", "version": 9}, "app-2")
    store.put("release", {"id": "r0", "version": 0, "status": "failed"}, "app-1")
    assert store.next_value("v:app-1") == 1
    assert store.next_value("v:app-1") == 2
    store.close()
    again = Store(tmp_path / "s.db")
    assert [r["id"] for r in again.list("release", "app-1")] == ["r0", "r1", "r2"]
    assert again.get("release", "r0")["status"] == "failed"
    assert again.next_value("v:app-1") == 3
    with pytest.raises(RuntimeError), again.tx():
        again.put("release", {"id": "r9"}, "app-1")
        raise RuntimeError("roll back")
    assert again.get("release", "r9") is None


def test_paginate_without_header_keeps_order_and_lists_without_ranges_page_by_id() -> None:
    shuffled = [ITEMS[3], ITEMS[0], ITEMS[5]]
    assert paginate(shuffled, None, ("id",)) == (shuffled, None)
    page, nxt = paginate(shuffled, "id ..; max=2", ())
    assert [i["id"] for i in page] == ["id-01", "id-04"]
    assert nxt == "id ]id-04..; max=2, order=asc"


def test_an_unreadable_aws_state_is_moved_aside_and_named(tmp_path, caplog) -> None:
    state = tmp_path / "aws-state.pickle"
    state.write_bytes(b"not a pickle")
    with caplog.at_level("ERROR", logger="localcloud.moto_server"):
        PersistedMoto(app=lambda *_: [], state_file=state).load()
    assert not state.exists()
    aside = list(tmp_path.glob("aws-state.pickle.unreadable-*"))
    assert [p.read_bytes() for p in aside] == [b"not a pickle"]
    assert str(aside[0]) in caplog.text
