"""List pages make the same number of queries whatever the number of videos, the watch page
whatever the number of comments (when rendered: a cached one makes fewer, see test_page_cache)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.cache import invalidate_pages
from apps.videos.models import Comment, Like

pytestmark = pytest.mark.django_db


def _count(client, url: str, params=None) -> int:
    invalidate_pages()  # measure the page being rendered, not served from the page cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    assert "X-Page-Cache" not in response or response["X-Page-Cache"] == "miss"
    return len(ctx.captured_queries)


def _seed(owner, fan, make_video, first: int, last: int) -> None:
    for n in range(first, last):
        video = make_video(owner, f"Python lesson {n}", tags="python", view_count=n)
        Like.objects.create(user=fan, video=video)
        Comment.objects.create(video=video, author=fan, body="Thanks")


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_list_pages_make_a_fixed_number_of_queries(
    client, settings, user, make_user, make_video, signed_in
):
    settings.VIDEOS_PER_PAGE = 60  # all 50 on one page: the worst case for N+1
    fan = make_user()
    if signed_in:
        client.force_login(fan)
    pages = {
        "home": (reverse("videos:home"), None),
        "channel": (reverse("accounts:channel", args=[user.handle]), None),
        "search": (reverse("videos:search"), {"q": "python"}),
        "feed": (reverse("videos:feed"), None),
    }
    if not signed_in:
        del pages["feed"]
    else:
        fan.subscriptions.create(channel=user)
    _seed(user, fan, make_video, 0, 1)
    one = {name: _count(client, url, params) for name, (url, params) in pages.items()}
    _seed(user, fan, make_video, 1, 50)
    fifty = {name: _count(client, url, params) for name, (url, params) in pages.items()}
    assert one == fifty
    assert client.get(reverse("videos:home")).content.count(b'class="card"') == 50


def test_dashboard_makes_a_fixed_number_of_queries(client, user, make_user, make_video):
    fan = make_user()
    client.force_login(user)
    _seed(user, fan, make_video, 0, 1)
    client.get(reverse("videos:home"))  # the signed-in user cached: compare the studio alone
    one = _count(client, reverse("videos:dashboard"))
    _seed(user, fan, make_video, 1, 20)
    assert _count(client, reverse("videos:dashboard")) == one


def _comment(video, author, first: int, last: int) -> None:
    for n in range(first, last):
        Comment.objects.create(video=video, author=author, body=f"Comment {n}")


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "owner"])
def test_watch_page_makes_a_fixed_number_of_queries(client, user, make_user, make_video, signed_in):
    if signed_in:
        client.force_login(user)  # the owner: every comment gets its delete form
    video = make_video(user)
    fan = make_user()
    Like.objects.create(user=fan, video=video)
    _comment(video, fan, 0, 5)
    url = video.get_absolute_url()
    client.get(url)  # the first visit also counts the view; compare returning visits
    five = _count(client, url)
    assert "Older comments" not in client.get(url).content.decode()
    _comment(video, fan, 5, 50)
    fifty = _count(client, url)
    older = _count(client, url, {"comments": 3})
    assert five == fifty == older
    assert client.get(url).content.count(b'class="comment"') == 20
