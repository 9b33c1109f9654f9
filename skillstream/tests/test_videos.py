import re

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.accounts.models import Subscription
from apps.notifications.models import Notification
from apps.videos.models import Comment, Like, Video
from tests.media_samples import mp4_bytes, png_bytes, webm_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """POST the upload form; the processing job runs when the request's transaction commits."""

    def post(client, content: bytes, name: str = "lesson.mp4", **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return _post_upload(client, content, name, **fields)

    return post


def _post_upload(client, content: bytes, name: str, **fields):
    data = {"title": "My lesson", "description": "Learn things", "tags": "Python, django, python"}
    data.update(fields)
    data["video_file"] = SimpleUploadedFile(name, content, content_type="video/mp4")
    return client.post(reverse("videos:upload"), data, follow=True)


def test_home_lists_ready_videos_newest_first_with_empty_state(client, user, make_video):
    assert b"No lessons yet" in client.get(reverse("videos:home")).content
    make_video(user, "First")
    make_video(user, "Second")
    make_video(user, "Hidden while processing", status=Video.Status.PROCESSING)
    content = client.get(reverse("videos:home")).content.decode()
    assert content.index("Second") < content.index("First")
    assert "Hidden while processing" not in content


def test_home_paginates(client, user, make_video, settings):
    settings.VIDEOS_PER_PAGE = 2
    for n in range(3):
        make_video(user, f"Lesson {n}")
    first = client.get(reverse("videos:home"))
    assert b"Page 1 of 2" in first.content
    second = client.get(reverse("videos:home"), {"page": 2})
    assert b"Lesson 0" in second.content and b"Lesson 2" not in second.content


def test_upload_publishes_and_notifies_subscribers(upload, client, user, make_user):
    fan = make_user("fan@example.com")
    Subscription.objects.create(subscriber=fan, channel=user)
    client.force_login(user)
    thumb = SimpleUploadedFile("thumb.png", png_bytes(), content_type="image/png")
    response = upload(client, mp4_bytes(duration_seconds=83.0), thumbnail=thumb)
    assert b"Upload received" in response.content
    video = Video.objects.get()
    assert video.status == Video.Status.READY
    assert video.tags == "python, django"
    assert video.content_type == "video/mp4"
    assert video.size_bytes == len(mp4_bytes(duration_seconds=83.0))
    assert video.duration_seconds == pytest.approx(83.0)
    assert video.file.name.startswith(f"media/videos/{user.pk}/")
    assert video.thumbnail.name.startswith(f"media/thumbnails/{user.pk}/")
    assert default_storage.exists(video.file.name)
    assert Notification.objects.filter(recipient=fan, video=video).exists()
    assert [m.to for m in mail.outbox] == [[fan.email]]
    assert f"http://testserver/v/{video.pk}/" in mail.outbox[0].body
    watch = client.get(video.get_absolute_url())
    assert b"<video" in watch.content and video.file.url.encode() in watch.content
    assert b"1:23" in watch.content


def test_fan_sees_notification_and_feed(client, user, make_user, make_video):
    fan = make_user("fan@example.com")
    client.force_login(fan)
    feed = client.get(reverse("videos:feed"))
    assert b"not subscribed to any channel yet" in feed.content
    Subscription.objects.create(subscriber=fan, channel=user)
    video = make_video(user, "Fresh from Ada")
    make_video(make_user(), "Someone else's")
    Notification.objects.create(recipient=fan, video=video)
    feed = client.get(reverse("videos:feed")).content
    assert b"Fresh from Ada" in feed and b"Someone else" not in feed
    inbox = client.get(reverse("notifications"))
    assert b"published \xe2\x80\x9cFresh from Ada\xe2\x80\x9d" in inbox.content
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_upload_accepts_webm_by_content(upload, auth_client):
    upload(auth_client, webm_bytes(), name="clip.webm")
    assert Video.objects.get().content_type == "video/webm"


def test_upload_rejects_a_non_video_named_mp4(upload, auth_client):
    response = upload(auth_client, b"%PDF-1.7 not a video at all" * 10, name="lesson.mp4")
    assert response.status_code == 200
    assert b"This file is not a supported video" in response.content
    assert not Video.objects.exists()


def test_upload_rejects_a_file_over_the_limit(upload, auth_client, settings):
    settings.MAX_UPLOAD_MB = 1
    response = upload(auth_client, mp4_bytes(padding=1024 * 1024 + 10))
    assert b"the limit is 1 MB" in response.content
    assert not Video.objects.exists()


def test_upload_requires_a_file_and_a_title(auth_client):
    response = auth_client.post(reverse("videos:upload"), {"title": ""})
    assert b"Choose a video file to upload" in response.content
    assert b"This field is required" in response.content


def test_upload_sanitises_file_names(upload, auth_client, user):
    upload(auth_client, mp4_bytes(), name="../../../etc/pass wd;rm -rf.MP4")
    name = Video.objects.get().file.name
    assert ".." not in name and " " not in name and ";" not in name
    assert name.startswith(f"media/videos/{user.pk}/")
    assert name.endswith("/pass-wd-rm-rf.mp4")


def test_upload_requires_login(client):
    response = client.get(reverse("videos:upload"))
    assert response["Location"].startswith(reverse("accounts:login"))


def test_unpublished_video_is_visible_to_its_owner_only(client, user, make_user, make_video):
    video = make_video(user, status=Video.Status.FAILED, status_message="Not a video.")
    assert client.get(video.get_absolute_url()).status_code == 404
    client.force_login(make_user())
    assert client.get(video.get_absolute_url()).status_code == 404
    client.force_login(user)
    response = client.get(video.get_absolute_url())
    assert b"This upload was rejected" in response.content


def test_like_and_unlike(client, user, make_user, make_video):
    video = make_video(user)
    client.force_login(make_user())
    url = reverse("videos:like", args=[video.pk])
    response = client.post(url, follow=True)
    assert b"Liked \xc2\xb7 1" in response.content
    response = client.post(url, follow=True)
    assert b"Like \xc2\xb7 0" in response.content
    assert not Like.objects.exists()


def test_anonymous_like_goes_to_login(client, user, make_video):
    video = make_video(user)
    response = client.post(reverse("videos:like", args=[video.pk]))
    assert response["Location"].startswith(reverse("accounts:login"))


def test_comment_escaped_and_deletable_by_author(client, user, make_user, make_video):
    video = make_video(user)
    fan = make_user()
    client.force_login(fan)
    body = "<script>alert(1)</script> Great lesson!"
    response = client.post(reverse("videos:comment", args=[video.pk]), {"body": body}, follow=True)
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; Great lesson!" in response.content
    assert b"<script>alert(1)" not in response.content
    comment = Comment.objects.get()
    client.post(reverse("videos:delete_comment", args=[comment.pk]))
    assert not Comment.objects.exists()


def test_empty_comment_is_refused(auth_client, user, make_video):
    video = make_video(user)
    response = auth_client.post(
        reverse("videos:comment", args=[video.pk]), {"body": ""}, follow=True
    )
    assert b"A comment needs some text" in response.content
    assert not Comment.objects.exists()


def test_only_author_or_video_owner_can_delete_a_comment(client, user, make_user, make_video):
    video = make_video(user)
    author, stranger = make_user(), make_user()
    comment = Comment.objects.create(video=video, author=author, body="Hi")
    client.force_login(stranger)
    refused = client.post(reverse("videos:delete_comment", args=[comment.pk]))
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("text/html")  # the site's own page, not plain text
    assert b"<h1>Not allowed</h1>" in refused.content
    assert b"You can only delete your own comments." in refused.content
    assert Comment.objects.exists()
    client.force_login(user)  # the video's owner moderates their comments
    client.post(reverse("videos:delete_comment", args=[comment.pk]))
    assert not Comment.objects.exists()


@pytest.fixture
def commented_video(user, make_user, make_video):
    """A video with 25 comments, "Comment 00" (oldest) to "Comment 24" (newest), by one fan."""
    video = make_video(user)
    fan = make_user()
    for n in range(25):
        Comment.objects.create(video=video, author=fan, body=f"Comment {n:02}")
    return video, fan


def _comment_bodies(response) -> list[str]:
    return re.findall(r'<div class="comment-body">(Comment \d+)</div>', response.content.decode())


def test_watch_pages_comments_newest_first(client, commented_video, settings):
    assert settings.COMMENTS_PER_PAGE == 20
    video, _ = commented_video
    first = client.get(video.get_absolute_url())
    assert _comment_bodies(first) == [f"Comment {n:02}" for n in range(24, 4, -1)]
    content = first.content.decode()
    assert "25 comments</h2>" in content and "Page 1 of 2" in content
    assert 'href="?comments=2#comments">Older comments' in content
    assert "Newer comments" not in content

    older = client.get(video.get_absolute_url(), {"comments": 2})
    assert _comment_bodies(older) == [f"Comment {n:02}" for n in range(4, -1, -1)]
    content = older.content.decode()
    assert "25 comments</h2>" in content and "Page 2 of 2" in content
    assert 'href="?comments=1#comments">← Newer comments' in content
    assert "Older comments" not in content


@pytest.mark.parametrize(
    ("page", "shown"), [("abc", "Comment 24"), ("0", "Comment 04"), ("99", "Comment 04")]
)
def test_watch_falls_back_on_a_bad_comment_page(client, commented_video, page, shown):
    video, _ = commented_video
    response = client.get(video.get_absolute_url(), {"comments": page})
    assert response.status_code == 200
    assert _comment_bodies(response)[0] == shown


def test_new_comment_tops_the_first_page(client, commented_video):
    video, fan = commented_video
    client.force_login(fan)
    response = client.post(
        reverse("videos:comment", args=[video.pk]), {"body": "Comment 99"}, follow=True
    )
    assert response.redirect_chain == [(f"{video.get_absolute_url()}#comments", 302)]
    assert _comment_bodies(response)[:2] == ["Comment 99", "Comment 24"]
    assert len(_comment_bodies(response)) == 20
    assert b"26 comments</h2>" in response.content


def test_dashboard_shows_own_videos_and_totals(client, user, make_user, make_video):
    video = make_video(user, "Mine", view_count=7)
    make_video(make_user(), "Not mine")
    fan = make_user()
    Like.objects.create(user=fan, video=video)
    Comment.objects.create(video=video, author=fan, body="Nice")
    Subscription.objects.create(subscriber=fan, channel=user)
    client.force_login(user)
    response = client.get(reverse("videos:dashboard"))
    assert response.context["stats"] == {
        "videos": 1,
        "views": 7,
        "likes": 1,
        "comments": 1,
        "subscribers": 1,
    }
    assert b"Mine" in response.content and b"Not mine" not in response.content
    assert b"7 views \xc2\xb7 1 like \xc2\xb7 1 comment \xc2\xb7" in response.content


def test_studio_refreshes_itself_while_an_upload_is_processing(auth_client, user, make_video):
    video = make_video(user, status=Video.Status.PROCESSING)
    response = auth_client.get(reverse("videos:dashboard"))
    assert b'<meta http-equiv="refresh" content="5">' in response.content
    assert b"Processing" in response.content
    video.status = Video.Status.READY
    video.save()
    assert b"http-equiv" not in auth_client.get(reverse("videos:dashboard")).content


def test_owner_edits_and_deletes_own_video(auth_client, user, make_video):
    video = make_video(user)
    response = auth_client.post(
        reverse("videos:edit", args=[video.pk]),
        {"title": "Renamed", "description": "New", "tags": "a, b"},
        follow=True,
    )
    assert b"Video updated" in response.content
    video.refresh_from_db()
    assert (video.title, video.tags) == ("Renamed", "a, b")
    path = video.file.name
    auth_client.post(reverse("videos:delete", args=[video.pk]))
    assert not Video.objects.exists()
    assert not default_storage.exists(path)


def test_replacing_a_thumbnail_removes_the_old_file(auth_client, user, make_video):
    video = make_video(user)
    url = reverse("videos:edit", args=[video.pk])

    def post_thumbnail(name: str) -> str:
        thumb = SimpleUploadedFile(name, png_bytes(), content_type="image/png")
        data = {"title": "T", "description": "", "tags": "", "thumbnail": thumb}
        assert auth_client.post(url, data).status_code == 302
        video.refresh_from_db()
        return video.thumbnail.name

    first = post_thumbnail("first.png")
    second = post_thumbnail("second.png")
    assert second.endswith("-second.png") and default_storage.exists(second)
    assert not default_storage.exists(first)


def test_nobody_edits_or_deletes_another_users_video(client, user, make_user, make_video):
    video = make_video(user)
    client.force_login(make_user())
    assert client.get(reverse("videos:edit", args=[video.pk])).status_code == 404
    assert client.post(reverse("videos:edit", args=[video.pk]), {"title": "x"}).status_code == 404
    assert client.post(reverse("videos:delete", args=[video.pk])).status_code == 404
    video.refresh_from_db()
    assert video.title == "Intro to Django"


def test_search_by_title_tag_creator_and_prefix(client, user, make_user, make_video):
    make_video(user, "Deploying Django on Heroku", tags="devops, python")
    make_video(make_user(display_name="Grace Hopper"), "Compilers 101", description="COBOL")
    make_video(user, "Knitting basics", tags="craft")

    def titles(q):
        return [v.title for v in client.get(reverse("videos:search"), {"q": q}).context["page"]]

    assert titles("django") == ["Deploying Django on Heroku"]
    assert titles("devops") == ["Deploying Django on Heroku"]
    assert titles("grace") == ["Compilers 101"]
    assert titles("cobol") == ["Compilers 101"]
    assert titles("herok") == ["Deploying Django on Heroku"]  # prefix
    assert titles("django knitting") == []  # every word must match
    response = client.get(reverse("videos:search"), {"q": "zzz"})
    assert b"No videos match your search" in response.content
    response = client.get(reverse("videos:search"), {"q": "'&|!:*()"})
    assert response.status_code == 200


def test_search_ranks_title_matches_first(client, user, make_video, settings):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("ranking is a PostgreSQL feature; SQLite orders by date")
    make_video(user, "A lesson", description="mentions python once")
    make_video(user, "Python from scratch")
    page = client.get(reverse("videos:search"), {"q": "python"}).context["page"]
    assert [v.title for v in page] == ["Python from scratch", "A lesson"]


def test_upload_rejects_a_thumbnail_that_is_not_an_image(upload, auth_client):
    fake = SimpleUploadedFile("thumb.png", b"GIF89a? no, just text", content_type="image/png")
    response = upload(auth_client, mp4_bytes(), thumbnail=fake)
    assert b"Upload a valid image" in response.content
    assert not Video.objects.exists()


def test_the_edit_page_shows_the_thumbnail_as_a_picture_with_replace_and_remove(
    auth_client, user, make_video
):
    video = make_video(user)
    video.thumbnail.save("cover.png", ContentFile(png_bytes()), save=True)
    page = auth_client.get(reverse("videos:edit", args=[video.pk])).content.decode()
    assert 'class="thumb-control"' in page
    assert f'<img class="thumb-current" src="{video.thumbnail.url}"' in page
    assert "Remove this thumbnail" in page and "Currently:" not in page  # not Django's bare widget
    auth_client.post(
        reverse("videos:edit", args=[video.pk]),
        {"title": video.title, "description": "", "tags": "", "thumbnail-clear": "on"},
    )
    video.refresh_from_db()
    assert not video.thumbnail
    assert (
        "No thumbnail yet"
        in auth_client.get(reverse("videos:edit", args=[video.pk])).content.decode()
    )
