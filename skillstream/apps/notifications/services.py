"""Telling subscribers about new videos, in the app and by email."""

import logging

from django.core.mail import EmailMessage, get_connection
from django.db import connection

from apps.accounts.models import Subscription
from apps.accounts.session_user import generation_key as user_generation_key
from apps.core.cache import bump_now_and_on_commit
from apps.notifications.models import Notification

logger = logging.getLogger(__name__)

# Every signed-in page shows this count; plain SQL because compiling the ORM's query cost
# several times more CPU than running it.
UNREAD_COUNT_SQL = (
    "SELECT count(*) FROM notifications_notification WHERE recipient_id = %s AND read_at IS NULL"
)


def unread_count(user_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(UNREAD_COUNT_SQL, [user_id])
        return cursor.fetchone()[0]


def notify_new_video(video, site_url: str) -> int:
    """Create a notification and send an email to each subscriber of the video's channel."""
    subscribers = list(
        Subscription.objects.filter(channel_id=video.owner_id).select_related("subscriber")
    )
    Notification.objects.bulk_create(
        [Notification(recipient=s.subscriber, video=video) for s in subscribers],
        ignore_conflicts=True,
    )
    # bulk_create sends no signal: the subscribers' cached unread counts are retired here.
    bump_now_and_on_commit(*(user_generation_key(s.subscriber_id) for s in subscribers))
    base = site_url.rstrip("/")
    messages = [
        EmailMessage(
            subject=f"New on SkillStream: {video.title}",
            body=(
                f"{video.owner.name} published a new video: {video.title}\n\n"
                f"Watch it: {base}{video.get_absolute_url()}\n\n"
                "You get this email because you subscribed to this channel."
            ),
            to=[s.subscriber.email],
        )
        for s in subscribers
    ]
    if messages:
        try:
            get_connection().send_messages(messages)
        except OSError:  # an email outage must not undo publishing
            logger.exception("event=notification_email_failed video=%s", video.pk)
    return len(subscribers)
