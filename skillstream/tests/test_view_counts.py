"""Views are counted once per visitor and video in Redis and folded into PostgreSQL by the
worker in batches, losing and doubling nothing, even when a fold dies half-way."""

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import django_rq
import psycopg2
import pytest
import requests
from django.conf import settings
from django.db import connection

from apps.videos import view_counts
from apps.videos.models import Video, ViewFold
from apps.videos.view_counts import VISITOR_COOKIE, fold_views, pending_views, record_view
from tests.test_packaging import procfile

APP_ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    os.environ.get("SKILLSTREAM_TEST_DB") == "sqlite",
    reason="views are counted in Redis, which SQLite mode runs without",
)


def _views(video) -> int:
    video.refresh_from_db()
    return video.view_count


@pytest.mark.django_db
def test_a_reload_by_the_same_visitor_counts_once(client, user, make_user, make_video):
    video = make_video(user)
    first = client.get(video.get_absolute_url())
    assert first.cookies[VISITOR_COOKIE]["httponly"]
    assert settings.SESSION_COOKIE_NAME not in first.cookies  # no session for a viewer
    client.get(video.get_absolute_url())
    client.get(video.get_absolute_url(), {"comments": 2})
    assert pending_views() == {video.pk: 1}
    assert fold_views() == 1
    assert _views(video) == 1

    type(client)().get(video.get_absolute_url())  # another visitor
    signed_in = type(client)()
    signed_in.force_login(make_user())
    signed_in.get(video.get_absolute_url())
    signed_in.get(video.get_absolute_url())
    assert fold_views() == 2
    assert _views(video) == 3
    assert pending_views() == {} and fold_views() == 0


@pytest.mark.django_db
def test_only_a_ready_video_is_counted(client, user, make_video):
    video = make_video(user, status=Video.Status.PROCESSING)
    client.force_login(user)  # its owner alone sees it
    assert client.get(video.get_absolute_url()).status_code == 200
    assert type(client)().get(video.get_absolute_url()).status_code == 404
    assert pending_views() == {}


@pytest.mark.django_db(transaction=True)
def test_concurrent_anonymous_views_all_reach_the_database(live_server, user, make_video):
    video = make_video(user, view_count=5)
    url = live_server.url + video.get_absolute_url()
    visitors = 24

    def visit(_n: int) -> int:
        return requests.get(url, timeout=60).status_code  # no cookie: each a new visitor

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(visit, range(visitors))) == [200] * visitors
    assert _views(video) == 5  # counted in Redis, not yet in PostgreSQL
    assert fold_views() == visitors
    assert _views(video) == 5 + visitors


@pytest.mark.django_db
def test_a_view_is_scheduled_to_be_folded_by_the_worker(user, make_video):
    video = make_video(user)
    registry = django_rq.get_queue("default").scheduled_job_registry
    before = set(registry.get_job_ids())
    assert record_view("a" * 22, video.pk)
    assert record_view("b" * 22, video.pk)  # within VIEW_FOLD_SECONDS: no second fold
    assert not record_view("a" * 22, video.pk)
    jobs = [
        django_rq.get_queue("default").fetch_job(j) for j in set(registry.get_job_ids()) - before
    ]
    assert [job.func_name for job in jobs] == ["apps.videos.view_counts.fold_views"]
    for job in jobs:
        registry.remove(job, delete_job=True)


class Died(BaseException):
    """A fold cut short, as by a worker killed or restarted (not an ordinary error)."""


@pytest.mark.django_db
def test_a_fold_that_dies_before_its_commit_is_finished_by_the_next(user, make_video, monkeypatch):
    video = make_video(user)
    for n in range(3):
        record_view(f"visitor-{n:014}", video.pk)
    real = view_counts.release_batch
    monkeypatch.setattr(ViewFold.objects, "filter", _dies)  # the prune, inside the transaction
    with pytest.raises(Died):
        fold_views()
    monkeypatch.undo()
    assert _views(video) == 0 and not ViewFold.objects.exists()  # rolled back
    record_view("visitor-after-0000000", video.pk)  # counted while the batch waits
    assert view_counts.release_batch is real
    assert fold_views() == 4  # the claimed batch first, then what arrived since
    assert _views(video) == 4


def _dies(*_args, **_kwargs):
    raise Died


@pytest.mark.django_db
def test_a_fold_that_dies_after_its_commit_is_not_applied_twice(user, make_video, monkeypatch):
    video = make_video(user)
    for n in range(5):
        record_view(f"visitor-{n:014}", video.pk)
    monkeypatch.setattr(view_counts, "release_batch", _dies)
    with pytest.raises(Died):
        fold_views()
    monkeypatch.undo()
    assert _views(video) == 5
    assert pending_views() == {video.pk: 5}  # the batch is still there, already applied
    assert fold_views() == 5  # recognised by its batch id: released, not added again
    assert _views(video) == 5
    assert pending_views() == {} and ViewFold.objects.count() == 1


@pytest.mark.django_db
def test_saving_a_video_keeps_the_views_folded_since_it_was_read(user, make_video):
    video = make_video(user)
    stale = Video.objects.get(pk=video.pk)
    record_view("visitor-0000000000000", video.pk)
    fold_views()
    stale.title = "Renamed"
    stale.save()
    video.refresh_from_db()
    assert (video.title, video.view_count) == ("Renamed", 1)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_a_fold_loses_and_doubles_nothing(user, make_video, tmp_path):
    """The Procfile's worker is killed while its fold waits inside the transaction (a row
    lock held here); a new worker then folds every view exactly once."""
    video = make_video(user, view_count=100)
    for n in range(7):
        record_view(f"visitor-{n:014}", video.pk)
    queue = django_rq.get_queue("default", is_async=True)
    lock = psycopg2.connect(_database_url())
    lock.cursor().execute("SELECT 1 FROM videos_video WHERE id = %s FOR UPDATE", [video.pk])
    queue.enqueue(fold_views)
    first = _worker(tmp_path / "first.log")
    try:
        _wait_until_blocked(lock, first)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(30)
    finally:
        lock.rollback()
        lock.close()
    assert _views(video) == 100
    record_view("visitor-late-00000000", video.pk)
    queue.enqueue(fold_views)
    second = _worker(tmp_path / "second.log")
    assert second.wait(90) == 0, (tmp_path / "second.log").read_text()
    assert _views(video) == 108 and pending_views() == {}


@pytest.mark.django_db(transaction=True)
def test_views_reach_the_database_through_the_worker_by_themselves(user, make_video, tmp_path):
    """No one runs a fold: the first view schedules one, the Procfile's worker runs it."""
    registry = django_rq.get_queue("default").scheduled_job_registry
    for job_id in registry.get_job_ids():  # folds other tests scheduled: not this one's
        job = registry.get_queue().fetch_job(job_id)
        if job is None or job.func_name == "apps.videos.view_counts.fold_views":
            registry.remove(job_id, delete_job=True)
    video = make_video(user)
    for n in range(3):
        record_view(f"visitor-{n:014}", video.pk)
    worker = _worker(tmp_path / "worker.log", burst=False)
    try:
        deadline = time.monotonic() + 90  # generous: VIEW_FOLD_SECONDS on a loaded machine
        while _views(video) < 3 and time.monotonic() < deadline:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
    assert _views(video) == 3 and pending_views() == {}


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _worker(log: Path, burst: bool = True) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "SKILLSTREAM_TEST_DATABASE_URL": _database_url(),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    return subprocess.Popen(
        ["sh", "-c", "exec " + procfile()["worker"] + (" --burst" if burst else "")],
        cwd=APP_ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, killed as a whole
    )


def _wait_until_blocked(lock, worker: subprocess.Popen) -> None:
    """Until another connection waits for the row lock held by `lock`."""
    deadline = time.monotonic() + 90
    cursor = lock.cursor()
    while time.monotonic() < deadline:
        assert worker.poll() is None, "the worker exited instead of folding"
        cursor.execute(
            "SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid)"
            " WHERE NOT granted AND datname = current_database()"
        )
        if cursor.fetchone()[0]:
            return
        time.sleep(0.1)
    pytest.fail("the worker never reached the fold's UPDATE")
