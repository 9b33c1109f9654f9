from django.conf import settings
from django.http import HttpRequest

SITE_NAME = "SkillStream"


def site(request: HttpRequest) -> dict:
    unread = 0
    if request.user.is_authenticated:
        unread = request.user.notifications.filter(read_at__isnull=True).count()
    return {
        "site_name": SITE_NAME,
        "unread_notifications": unread,
        "max_upload_mb": settings.MAX_UPLOAD_MB,
    }
