"""Production upload path against a real S3 API (a moto server on a free port): the browser's
presigned POST lands the object, the worker job verifies it, the page plays it from S3."""

import base64
import html
import json
import re

import pytest
import requests
from django.urls import reverse

from apps.videos.models import Video
from apps.videos.uploads import sign_upload_token
from tests.media_samples import mp4_bytes

pytestmark = pytest.mark.django_db


def sign(client, filename="lesson.mp4", content_type="video/mp4", size=1000):
    return client.post(
        reverse("videos:upload_sign"),
        json.dumps({"filename": filename, "content_type": content_type, "size": size}),
        content_type="application/json",
    )


def browser_post(signed: dict, content: bytes, content_type: str = "video/mp4"):
    return requests.post(
        signed["url"],
        data=signed["fields"],
        files={"file": ("lesson.mp4", content, content_type)},
        timeout=30,
    )


def finish(client, capture, token: str, title: str = "Straight to S3"):
    with capture(execute=True):
        return client.post(
            reverse("videos:upload"),
            {"title": title, "description": "", "tags": "s3", "upload_token": token},
            follow=True,
        )


def test_presigned_post_lands_the_object_and_the_job_publishes_it(
    s3, auth_client, user, django_capture_on_commit_callbacks
):
    # A camera-style file (moov after mdat): the job still finds the duration.
    content = mp4_bytes(duration_seconds=42.0, padding=100_000, fast_start=False)
    response = sign(auth_client, filename="../../My Lesson.mp4", size=len(content))
    assert response.status_code == 200
    signed = response.json()
    assert signed["key"].startswith(f"media/videos/{user.pk}/")
    assert signed["key"].endswith("/My-Lesson.mp4")
    policy = json.loads(base64.b64decode(signed["fields"]["policy"]))
    assert ["content-length-range", 1, 2 * 1024 * 1024] in policy["conditions"]
    assert {"Content-Type": "video/mp4"} in policy["conditions"]
    assert {"key": signed["key"]} in policy["conditions"]

    assert browser_post(signed, content).status_code == 204
    head = s3.head_object(Bucket=s3.bucket, Key=signed["key"])
    assert head["ContentLength"] == len(content)
    assert head["ContentType"] == "video/mp4"

    page = finish(auth_client, django_capture_on_commit_callbacks, signed["token"])
    assert b"Upload received" in page.content
    video = Video.objects.get()
    assert video.status == Video.Status.READY
    assert (video.size_bytes, video.duration_seconds) == (len(content), 42.0)
    assert video.file.name == signed["key"]

    watch = auth_client.get(video.get_absolute_url()).content.decode()
    media_url = html.unescape(re.search(r'<source src="([^"]+)"', watch).group(1))
    assert media_url.startswith(f"{s3._endpoint.host}/{s3.bucket}/{signed['key']}?")
    assert "X-Amz-Signature=" in media_url  # private bucket: a presigned GET
    assert requests.get(media_url, timeout=30).content == content


def test_upload_page_is_wired_for_direct_upload_and_csp_allows_s3(s3, auth_client, s3_endpoint):
    response = auth_client.get(reverse("videos:upload"))
    assert b"data-direct-upload" in response.content
    csp = response["Content-Security-Policy"]
    assert f"connect-src 'self' {s3_endpoint}" in csp
    assert f"form-action 'self' {s3_endpoint}" in csp
    assert s3_endpoint in csp.split("media-src")[1].split(";")[0]


def test_sign_refuses_wrong_type_and_size_with_clear_messages(s3, auth_client):
    response = sign(auth_client, filename="notes.pdf", content_type="application/pdf")
    assert response.status_code == 400
    assert "not a supported video" in response.json()["error"]
    response = sign(auth_client, size=3 * 1024 * 1024)
    assert response.status_code == 400
    assert "2 MB" in response.json()["error"]


def test_a_non_video_uploaded_directly_is_rejected_and_removed(
    s3, auth_client, django_capture_on_commit_callbacks
):
    signed = sign(auth_client).json()
    assert browser_post(signed, b"MZ\x90\x00 this is an executable" * 20).status_code == 204
    finish(auth_client, django_capture_on_commit_callbacks, signed["token"])
    video = Video.objects.get()
    assert video.status == Video.Status.FAILED
    assert "not a supported video" in video.status_message
    listed = s3.list_objects_v2(Bucket=s3.bucket).get("KeyCount", 0)
    assert listed == 0
    dashboard = auth_client.get(reverse("videos:dashboard"))
    assert b"not a supported video" in dashboard.content


def test_an_object_over_the_limit_is_rejected_by_the_job(
    s3, auth_client, settings, django_capture_on_commit_callbacks
):
    # S3 enforces content-length-range itself; the job checks again in case it did not.
    signed = sign(auth_client).json()
    browser_post(signed, mp4_bytes(padding=3 * 1024 * 1024))
    finish(auth_client, django_capture_on_commit_callbacks, signed["token"])
    video = Video.objects.get()
    assert video.status == Video.Status.FAILED
    assert "larger than the 2 MB limit" in video.status_message


def test_a_token_for_someone_else_or_forged_is_refused(s3, auth_client, make_user):
    other = make_user()
    for token in (sign_upload_token(other.pk, "media/videos/x/y.mp4"), "forged:token"):
        response = auth_client.post(
            reverse("videos:upload"), {"title": "Sneaky", "upload_token": token}
        )
        assert b"The upload expired or is not yours" in response.content
    assert not Video.objects.exists()


def test_a_missing_object_fails_the_video(s3, auth_client, django_capture_on_commit_callbacks):
    signed = sign(auth_client).json()  # signed, but the browser never sent the file
    finish(auth_client, django_capture_on_commit_callbacks, signed["token"])
    video = Video.objects.get()
    assert video.status == Video.Status.FAILED
    assert "never arrived" in video.status_message


def test_healthz_checks_the_bucket(s3, client, settings):
    assert client.get("/healthz").json()["checks"]["storage"] == "ok"
    settings.AWS_STORAGE_BUCKET_NAME = "no-such-bucket-here"
    settings.STORAGES = dict(settings.STORAGES)  # rebuild the storage with the new bucket
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "fail"
