from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from apps.notifications.services import unread_count

SITE_NAME = "SkillStream"


def site(request: HttpRequest) -> dict:
    unread: Any = 0
    user = request.user
    if user.is_authenticated:
        # Loaded with the user from the cache (apps.accounts.session_user); otherwise counted
        # when the navigation shows it, unless the view already knows it.
        unread = getattr(user, "unread_notifications", None)
        if unread is None:
            user_id = user.pk
            unread = SimpleLazyObject(lambda: unread_count(user_id))
    return {
        "site_name": SITE_NAME,
        "unread_notifications": unread,
        "max_upload_mb": settings.MAX_UPLOAD_MB,
    }
