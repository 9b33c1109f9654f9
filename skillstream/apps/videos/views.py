"""Browsing, watching, uploading and managing videos. Views stay thin: queries live in the
model's queryset, work in services and the worker job."""

import json
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.accounts import session_user
from apps.accounts.models import Subscription
from apps.core import page_read
from apps.core.cache import (
    GENERATION_KEY,
    cache_for_anonymous,
    current,
    path_digest,
    set_current,
    studio_generation_key,
    video_generation_key,
)
from apps.core.jobs import enqueue
from apps.core.pagination import paginate
from apps.core.per_viewer import render_shared
from apps.core.urls_util import safe_next
from apps.videos.forms import CommentForm, UploadForm, VideoDetailsForm
from apps.videos.media import ACCEPTED_LABEL, VIDEO_TYPES
from apps.videos.models import Comment, Like, Video
from apps.videos.search import search_videos
from apps.videos.tasks import process_video
from apps.videos.uploads import (
    max_upload_bytes,
    presigned_post,
    read_upload_token,
)
from apps.videos.view_counts import ViewCount

logger = logging.getLogger(__name__)


@cache_for_anonymous
def home(request: HttpRequest) -> HttpResponse:
    page = paginate(request, Video.objects.published().for_cards())
    return render(request, "videos/home.html", {"page": page})


@cache_for_anonymous
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    results = search_videos(Video.objects.published().for_cards(), query) if query else None
    page = paginate(request, results) if results is not None else None
    return render(request, "videos/search.html", {"query": query, "page": page})


@login_required
def feed(request: HttpRequest) -> HttpResponse:
    channels = Subscription.objects.filter(subscriber=request.user).values("channel")
    videos = Video.objects.published().for_cards().filter(owner__in=channels)
    has_subscriptions = Subscription.objects.filter(subscriber=request.user).exists()
    return render(
        request,
        "videos/feed.html",
        {"page": paginate(request, videos), "has_subscriptions": has_subscriptions},
    )


def watch(request: HttpRequest, pk: int) -> HttpResponse:
    """The page everyone opens. A ready video's page is rendered once per video, comment page
    and generation (apps.core.per_viewer); each request fills in only who is looking."""
    key = f"page:watch:{pk}:{path_digest(request)}"
    everyone_key = f"{key}:anonymous"  # the page filled in for anyone anonymous, ready to send
    # No session and no message: anonymous with nothing of their own, the ready page is theirs.
    ready_made = request.session.session_key is None and not len(messages.get_messages(request))
    generation_keys = [GENERATION_KEY, video_generation_key(pk)]
    view = ViewCount(request, pk)
    read_key = everyone_key if ready_made else key
    # One round trip for a cached page: the page, its generations, the session, the viewer's
    # row and facts (liked, subscribed), and the view counted.
    found, user_id, counted = page_read.read(
        request,
        [*generation_keys, read_key],
        named=lambda user: [*session_user.keys(user), _facts_key(user, pk)],
        on_hit=view.on_hit(),
        run_if=read_key,
    )
    view.took(counted)
    cached, generations = current(found, read_key, generation_keys)
    if user_id is not None:
        session_user.signed_in(request, user_id, found)
    hit = "hit"
    if cached is None:
        video = get_object_or_404(Video.objects.select_related("owner").with_stats(), pk=pk)
        if not video.is_ready:
            return _watch_unpublished(request, video)
        page = render_shared("videos/watch.html", _watch_context(request, video))
        shared = {"owner_id": video.owner_id, "page": page}
        everyone = page.fill(_nobody(request.path))
        set_current({key: shared, everyone_key: everyone}, generations)
        cached = everyone if ready_made else shared
        hit = "miss"
    view.count()  # unless counted with the read
    if ready_made:
        response = HttpResponse(cached)
    else:
        facts = _viewer(request, pk, cached["owner_id"], found)
        response = HttpResponse(cached["page"].fill(request, **facts))
    response["X-Page-Cache"] = hit
    view.remember_visitor(response)
    return response


def _watch_context(request: HttpRequest, video: Video) -> dict:
    comments = paginate(
        request,
        video.comments.select_related("author"),
        per_page=settings.COMMENTS_PER_PAGE,
        param="comments",
    )
    more = (
        Video.objects.published().for_cards().filter(owner_id=video.owner_id).exclude(pk=video.pk)
    )[:6]
    return {
        "video": video,
        "comments": comments,
        "comment_form": CommentForm(),
        "more_videos": more,
    }


# Plain SQL, made of constants only: the ORM's compilation would cost more than the query.
VIEWER_FACTS = (
    "SELECT EXISTS (SELECT 1 FROM videos_like WHERE user_id = %s AND video_id = %s),"
    " EXISTS (SELECT 1 FROM accounts_subscription WHERE subscriber_id = %s AND channel_id = %s)"
)


def _facts_key(user_id: int, pk: int) -> str:
    """What the watch page shows about its viewer: liked, subscribed; stored under the
    viewer's generation, which their likes and subscriptions bump (apps.core.signals)."""
    return f"user:{user_id}:video:{pk}"


def _viewer(request: HttpRequest, pk: int, owner_id: int, found: dict) -> dict:
    """What the signed-in viewer's parts of the page need: liked and subscribed (their unread
    notifications come with the user), from the cache (read with the page) or one query."""
    user = request.user
    if not user.is_authenticated:
        return {"liked": False, "subscribed": False}
    generation = found.get(session_user.generation_key(user.pk), 0)
    stored = found.get(_facts_key(user.pk, pk))
    if isinstance(stored, tuple) and len(stored) == 3 and stored[0] == generation:
        return {"liked": stored[1], "subscribed": stored[2]}
    with connection.cursor() as cursor:
        cursor.execute(VIEWER_FACTS, [user.pk, pk, user.pk, owner_id])
        liked, subscribed = cursor.fetchone()
    cache.set(_facts_key(user.pk, pk), (generation, liked, subscribed), session_user.ROW_SECONDS)
    return {"liked": liked, "subscribed": subscribed}


def _nobody(path: str) -> HttpRequest:
    """A request from an anonymous visitor with no cookies, to fill in the page everyone
    anonymous gets."""
    nobody = HttpRequest()
    nobody.path = path
    nobody.user = AnonymousUser()
    return nobody


def _watch_unpublished(request: HttpRequest, video: Video) -> HttpResponse:
    """A video still processing or rejected: its owner alone sees it, never cached."""
    if not (request.user.is_authenticated and request.user.pk == video.owner_id):
        raise Http404("No such video")
    return render(request, "videos/watch.html", _watch_context(request, video))


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    direct = settings.VIDEO_DIRECT_UPLOAD
    form = UploadForm(request.POST or None, request.FILES or None, direct=direct)
    if request.method == "POST" and form.is_valid():
        video = form.save(commit=False)
        video.owner = request.user
        video.status = Video.Status.PROCESSING
        if direct:
            key = read_upload_token(form.cleaned_data["upload_token"], request.user.pk)
            if key is None:
                form.add_error(None, "The upload expired or is not yours. Please upload again.")
                return render(request, "videos/upload.html", {"form": form, "direct": direct})
            video.file.name = key
        else:
            video.file = form.cleaned_data["video_file"]
        video.save()
        enqueue(process_video, video.pk, request.build_absolute_uri("/"))
        logger.info("event=video_uploaded video=%s direct=%s", video.pk, direct)
        messages.success(
            request, "Upload received. We're checking the file; it goes live in a moment."
        )
        return redirect("videos:dashboard")
    return render(request, "videos/upload.html", {"form": form, "direct": direct})


@login_required
@require_POST
def upload_sign(request: HttpRequest) -> JsonResponse:
    """Hand the browser a presigned POST for one file, after checking what it says it sends."""
    if not settings.VIDEO_DIRECT_UPLOAD:
        return JsonResponse({"error": "Direct upload is not enabled here."}, status=400)
    try:
        payload = json.loads(request.body or b"{}")
        filename = str(payload.get("filename", ""))[:200]
        content_type = str(payload.get("content_type", ""))
        size = int(payload.get("size", 0))
    except (ValueError, TypeError):
        return JsonResponse({"error": "Malformed request."}, status=400)
    if content_type not in VIDEO_TYPES:
        return JsonResponse(
            {"error": f"This file is not a supported video. Upload {ACCEPTED_LABEL}."}, status=400
        )
    if size <= 0 or size > max_upload_bytes():
        return JsonResponse(
            {"error": f"The file must be between 1 byte and {settings.MAX_UPLOAD_MB} MB."},
            status=400,
        )
    return JsonResponse(presigned_post(request.user.pk, filename, content_type))


def dashboard(request: HttpRequest) -> HttpResponse:
    """A creator's studio, rendered again only when something it shows changed (their videos,
    their views, likes, comments or subscribers: the studio generation) or after the TTL.
    The session, the page, its generation and the signed-in user: one round trip."""
    found, user_id, _ = page_read.read(
        request,
        [],
        named=lambda user: [
            studio_generation_key(user),
            _studio_key(request, user),
            *session_user.keys(user),
        ],
    )
    if user_id is not None:
        session_user.signed_in(request, user_id, found)
    return _studio(request, found)


def _studio_key(request: HttpRequest, user_id: int) -> str:
    return f"page:studio:{user_id}:{path_digest(request)}"


@login_required
def _studio(request: HttpRequest, found: dict) -> HttpResponse:
    key = _studio_key(request, request.user.pk)
    page, generations = current(found, key, [studio_generation_key(request.user.pk)])
    hit = "hit"
    if page is None:
        page = render_shared("videos/dashboard.html", _studio_context(request))
        set_current({key: page}, generations)
        hit = "miss"
    response = HttpResponse(page.fill(request))
    response["X-Page-Cache"] = hit
    return response


def _studio_context(request: HttpRequest) -> dict:
    videos = Video.objects.filter(owner=request.user).with_stats().order_by("-created_at", "-pk")
    totals = Video.objects.filter(owner=request.user).aggregate(views=Sum("view_count"))
    stats = {
        "videos": videos.count(),
        "views": totals["views"] or 0,
        "likes": Like.objects.filter(video__owner=request.user).count(),
        "comments": Comment.objects.filter(video__owner=request.user).count(),
        "subscribers": request.user.subscribers.count(),
    }
    processing = videos.filter(
        status__in=[Video.Status.UPLOADING, Video.Status.PROCESSING]
    ).exists()
    page = paginate(request, videos, per_page=20)
    return {"page": page, "stats": stats, "processing": processing}


def _own_video(request: HttpRequest, pk: int) -> Video:
    # Someone else's video is "not found" to you: no hint that it exists.
    return get_object_or_404(Video, pk=pk, owner=request.user)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    video = _own_video(request, pk)
    old_thumbnail = video.thumbnail.name
    form = VideoDetailsForm(request.POST or None, request.FILES or None, instance=video)
    if request.method == "POST" and form.is_valid():
        form.save()
        if old_thumbnail and old_thumbnail != video.thumbnail.name:
            video.thumbnail.storage.delete(old_thumbnail)  # replaced or cleared: no orphan
        messages.success(request, "Video updated.")
        return redirect("videos:dashboard")
    return render(request, "videos/edit.html", {"form": form, "video": video})


@login_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    video = _own_video(request, pk)
    if request.method == "POST":
        for field in (video.file, video.thumbnail):
            if field.name:
                field.delete(save=False)
        video.delete()
        messages.success(request, f"“{video.title}” was deleted.")
        return redirect("videos:dashboard")
    return render(request, "videos/delete.html", {"video": video})


@login_required
@require_POST
def toggle_like(request: HttpRequest, pk: int) -> HttpResponse:
    video = get_object_or_404(Video.objects.published(), pk=pk)
    deleted, _ = Like.objects.filter(user=request.user, video=video).delete()
    if not deleted:
        Like.objects.get_or_create(user=request.user, video=video)
    return redirect(safe_next(request, video.get_absolute_url()))


@login_required
@require_POST
def add_comment(request: HttpRequest, pk: int) -> HttpResponse:
    video = get_object_or_404(Video.objects.published(), pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        Comment.objects.create(video=video, author=request.user, body=form.cleaned_data["body"])
        messages.success(request, "Comment posted.")
    else:
        messages.error(request, "A comment needs some text (2,000 characters at most).")
    return redirect(f"{video.get_absolute_url()}#comments")


@login_required
@require_POST
def delete_comment(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("video"), pk=pk)
    if not comment.can_delete(request.user):
        raise PermissionDenied("You can only delete your own comments.")  # the site's 403 page
    comment.delete()
    messages.success(request, "Comment deleted.")
    return redirect(f"{comment.video.get_absolute_url()}#comments")
