"""The Procfile's worker: a real `manage.py rqworker` process takes the job from Redis."""

import os
import subprocess
import sys
from pathlib import Path

import django_rq
import pytest
from django.conf import settings
from django.db import connection

from apps.videos.models import Video
from apps.videos.tasks import process_video
from tests.test_packaging import procfile

APP_ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db(transaction=True)
def test_rqworker_processes_an_upload_from_the_queue(make_user, make_video):
    if settings.JOBS_INLINE:
        pytest.skip("SQLite mode runs without Redis, so there is no queue to work from")
    creator = make_user()
    video = make_video(creator, status=Video.Status.PROCESSING)
    queue = django_rq.get_queue("default", is_async=True)
    job = queue.enqueue(process_video, video.pk, "http://testserver/")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "SKILLSTREAM_TEST_DATABASE_URL": (
            f"postgres://{connection.settings_dict['USER']}@{connection.settings_dict['HOST']}:"
            f"{connection.settings_dict['PORT']}/{connection.settings_dict['NAME']}"
        ),
        "SKILLSTREAM_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    result = subprocess.run(
        ["sh", "-c", procfile()["worker"] + " --burst"],  # the Procfile's worker, until idle
        cwd=APP_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr
    job.refresh()
    assert job.get_status() == "finished", result.stderr
    assert job.return_value() == "ready"
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    assert video.duration_seconds == pytest.approx(12.5)
