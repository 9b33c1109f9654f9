import socket
import uuid

import boto3
import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile

from tests.media_samples import mp4_bytes

PASSWORD = "correct-horse-battery-staple"


def _clear_cache() -> None:
    client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client is None:
        cache.clear()  # locmem
        return
    redis = client(write=True)
    keys = list(redis.scan_iter(match="skillstream-test:*", count=500))
    if keys:
        redis.delete(*keys)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Each test starts with its own media directory and an empty cache (this suite's keys)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    _clear_cache()


@pytest.fixture
def make_user(db, django_user_model):
    counter = {"n": 0}

    def make(email: str | None = None, **extra):
        counter["n"] += 1
        email = email or f"user{counter['n']}@example.com"
        return django_user_model.objects.create_user(email, PASSWORD, **extra)

    return make


@pytest.fixture
def make_video(db):
    from apps.videos.models import Video

    def make(owner, title: str = "Intro to Django", status=Video.Status.READY, **fields):
        video = Video(owner=owner, title=title, status=status, content_type="video/mp4", **fields)
        video.file.save("lesson.mp4", ContentFile(mp4_bytes()), save=False)
        video.save()
        return video

    return make


@pytest.fixture
def user(make_user):
    return make_user("creator@example.com", display_name="Ada Creator")


@pytest.fixture
def auth_client(client, user):
    client.force_login(user)
    return client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 API: a moto server on a free loopback port, for the whole session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, settings, monkeypatch):
    """A fresh private bucket, and the app's production storage settings pointed at it."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_S3_ENDPOINT_URL = s3_endpoint
    settings.AWS_S3_ADDRESSING_STYLE = "path"
    settings.AWS_S3_SIGNATURE_VERSION = "s3v4"
    settings.AWS_DEFAULT_ACL = None
    settings.AWS_QUERYSTRING_AUTH = True
    settings.AWS_S3_FILE_OVERWRITE = False
    settings.VIDEO_DIRECT_UPLOAD = True
    settings.STORAGES = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client.bucket = bucket
    return client
