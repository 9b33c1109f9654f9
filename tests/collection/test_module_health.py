"""health_check: waits for /healthz ok and the expected /version, and says what it saw when
it gives up. Against a real HTTP server on a socket (stub_server), through ansible-playbook."""

from __future__ import annotations

import socket

from .playbook import mod, run_play
from .stub_server import Reply, StubServer

OK = Reply(body={"status": "ok", "database": "ok"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_health_check_waits_names_what_it_saw_and_gives_up_in_time(
    stub: StubServer, tmp_path
) -> None:
    booting = StubServer()  # a dyno still booting, then the new release
    booting.queue(
        Reply(status=503, body={"id": "H20"}),
        Reply(status=503, body={"id": "H20"}),
        OK,
        Reply(body={"release": "v8", "commit": "abc"}),
        OK,  # the check-mode call
        Reply(body={"release": "v8", "commit": "abc"}),
    )
    # The old release serves on (the stub answers in order, whatever the path).
    stub.queue(*[OK, Reply(body={"release": "v7", "commit": "old"})] * 40)
    down = f"http://127.0.0.1:{free_port()}/"
    try:
        run = run_play(
            [
                mod("health_check", url=booting.url + "/", expect_release="v8", wait=10),
                mod("health_check", url=stub.url, expect_release="v8", wait=1, max_interval=0.2),
                mod("health_check", url=down, wait=0.5),
                mod("health_check", url=booting.url, wait=5, check=True),  # reads in check mode too
            ],
            tmp_path,
        )
    finally:
        booting.close()
    ready, stale, unreachable, checked = run.results

    assert ready["failed"] is False and ready["changed"] is False, ready
    assert ready["version"] == {"release": "v8", "commit": "abc"}
    assert ready["healthz"]["status"] == "ok"
    assert ready["attempts"] == 3 and ready["seconds"] < 2  # 0.1 s, then 0.15 s between tries
    assert [s.path for s in booting.seen[:4]] == ["/healthz", "/healthz", "/healthz", "/version"]

    assert stale["failed"] is True
    assert "names release v7, not v8 (commit old)" in stale["msg"], stale["msg"]
    assert stale["attempts"] >= 3
    assert {s.path for s in stub.seen} == {"/healthz", "/version"}

    assert unreachable["failed"] is True
    assert f"{down}healthz could not be reached" in unreachable["msg"], unreachable["msg"]
    assert "Traceback" not in unreachable["msg"]

    assert checked["failed"] is False and checked["version"]["release"] == "v8"
