from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.accounts.session_user import generation_key as user_generation_key
from apps.core.cache import bump_now_and_on_commit
from apps.core.pagination import paginate


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = request.user.notifications.select_related("video", "video__owner")
    page = paginate(request, notifications, per_page=30)
    response = render(request, "notifications/inbox.html", {"page": page})
    # Seen once shown: mark them read after rendering so this page still highlights them.
    if request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now()):
        # update() sends no signal: the unread count cached with the user is retired here.
        bump_now_and_on_commit(user_generation_key(request.user.pk))
    return response
