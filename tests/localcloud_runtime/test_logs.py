"""LogHub: the log stream users tail, and logplex-framed drains."""

from __future__ import annotations

import re
import time
from pathlib import Path

from localcloud.runtime.logs import LogHub, drain_token

from .conftest import Receiver


def parse_frames(body: bytes) -> list[str]:
    """Split an application/logplex-1 body by its octet counts (fails on a wrong count)."""
    frames, pos = [], 0
    while pos < len(body):
        space = body.index(b" ", pos)
        length = int(body[pos:space])
        frames.append(body[space + 1 : space + 1 + length].decode())
        pos = space + 1 + length
        if pos < len(body):
            assert body[pos : pos + 1] == b"\n"
            pos += 1
    return frames


def test_tail_returns_lines_in_heroku_format(hub: LogHub) -> None:
    hub.emit("demo", "app", "web.1", "first")
    hub.emit("demo", "heroku", "router", "at=info method=GET")
    hub.emit("other", "app", "web.1", "not mine")
    lines = hub.tail("demo")
    assert len(lines) == 2
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00 app\[web\.1\]: first$", lines[0])
    assert lines[1].endswith("heroku[router]: at=info method=GET")
    assert hub.tail("demo", 1) == lines[1:]


def test_tail_reads_what_another_hub_wrote(tmp_path: Path) -> None:
    writer = LogHub(tmp_path)
    for n in range(500):
        writer.emit("demo", "app", "web.1", f"line {n}")
    reader = LogHub(tmp_path)
    assert [ln.rsplit(" ", 1)[1] for ln in reader.tail("demo", 3)] == ["497", "498", "499"]
    writer.close()
    reader.close()


def test_drain_receives_logplex_frames(hub: LogHub, receiver: Receiver) -> None:
    hub.set_drains("demo", [receiver.url])
    for n in range(5):
        hub.emit("demo", "app", "web.1", f"message {n}")
    hub.emit("demo", "heroku", "router", "at=info status=200")
    assert receiver.wait_for(lambda reqs: sum(int(h["Logplex-Msg-Count"]) for h, _ in reqs) >= 6)
    frames = []
    for headers, body in receiver.requests:
        assert headers["Content-Type"] == "application/logplex-1"
        assert headers["Logplex-Drain-Token"] == drain_token("demo", receiver.url)
        assert headers["Logplex-Drain-Token"].startswith("d.")
        got = parse_frames(body)
        assert len(got) == int(headers["Logplex-Msg-Count"])
        frames += got
    print(f"drain got {len(frames)} frames in {len(receiver.requests)} POST(s)")
    assert re.match(r"^<190>1 \S+ host app web\.1 - message 0$", frames[0])
    assert re.match(r"^<158>1 \S+ host heroku router - at=info status=200$", frames[-1])


def test_emit_never_waits_for_a_slow_drain(hub: LogHub) -> None:
    slow = Receiver(delay=1.0)
    try:
        hub.set_drains("demo", [slow.url])
        start = time.monotonic()
        for n in range(2000):
            hub.emit("demo", "app", "web.1", f"line {n}")
        elapsed = time.monotonic() - start
        print(f"2000 emits with a slow drain: {elapsed * 1000:.0f} ms")
        assert elapsed < 1.0
        assert slow.wait_for(lambda reqs: len(reqs) >= 1, timeout=10)
    finally:
        hub.set_drains("demo", [])
        slow.close()


def test_removed_drain_gets_nothing_more(hub: LogHub, receiver: Receiver) -> None:
    hub.set_drains("demo", [receiver.url], tokens={receiver.url: "d.given-token"})
    hub.emit("demo", "app", "web.1", "before")
    assert receiver.wait_for(lambda reqs: len(reqs) == 1)
    assert receiver.requests[0][0]["Logplex-Drain-Token"] == "d.given-token"
    hub.set_drains("demo", [])
    hub.emit("demo", "app", "web.1", "after")
    time.sleep(0.6)
    assert len(receiver.requests) == 1


def test_subscriber_gets_new_lines(hub: LogHub) -> None:
    sub = hub.subscribe("demo")
    hub.emit("demo", "app", "web.1", "live line")
    hub.emit("other", "app", "web.1", "not for this app")
    assert sub.get(timeout=1).endswith("app[web.1]: live line")
    assert sub.empty()
    hub.unsubscribe("demo", sub)
    hub.emit("demo", "app", "web.1", "after")
    assert sub.empty()


def test_a_strange_app_name_stays_inside_the_log_dir(hub: LogHub, tmp_path: Path) -> None:
    hub.emit("../../escape", "app", "web.1", "contained")
    assert not (tmp_path.parent / "escape.log").exists()
    assert hub.tail("../../escape")[0].endswith("contained")
    assert all(p.parent == tmp_path / "logs" for p in (tmp_path / "logs").iterdir())
