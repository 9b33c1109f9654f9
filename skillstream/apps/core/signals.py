"""Connect content changes to the generations of what is cached about them: the pages that
show them, and the viewer whose own facts they are (apps.accounts.session_user: their row,
unread notifications, likes and subscriptions). Each change bumps now and again on commit
(apps.core.cache.bump_now_and_on_commit), so a read between the two cannot keep old rows."""

from django.db.models.signals import post_delete, post_save, pre_delete

from apps.accounts.session_user import generation_key as user_generation_key
from apps.core.cache import (
    GENERATION_KEY,
    bump_now_and_on_commit,
    studio_generation_key,
    video_generation_key,
)


def video_changed(instance, **_kwargs) -> None:
    bump_now_and_on_commit(GENERATION_KEY, studio_generation_key(instance.owner_id))


def reaction_changed(sender, instance, origin=None, **_kwargs) -> None:
    """A like or a comment: its video's page and the video owner's studio; a like is also
    its author's own fact (liked)."""
    if origin is not None and getattr(origin, "model", type(origin)) is not sender:
        return  # deleted with its video or its author, whose own signal retires the pages
    keys = [video_generation_key(instance.video_id), studio_generation_key(instance.video.owner_id)]
    if hasattr(instance, "user_id"):
        keys.append(user_generation_key(instance.user_id))
    bump_now_and_on_commit(*keys)


def subscription_changed(instance, **_kwargs) -> None:
    bump_now_and_on_commit(
        GENERATION_KEY,
        studio_generation_key(instance.channel_id),
        user_generation_key(instance.subscriber_id),
    )


def user_changed(instance, update_fields=None, **_kwargs) -> None:
    """Their cached row (a new password must reach every session), and the pages, unless
    only the last login changed (which no page shows)."""
    keys = [user_generation_key(instance.pk)]
    if update_fields is None or not set(update_fields) <= {"last_login"}:
        keys.append(GENERATION_KEY)
    bump_now_and_on_commit(*keys)


def notification_changed(sender, instance, origin=None, **_kwargs) -> None:
    """The recipient's unread count (cached with their row)."""
    if origin is not None and getattr(origin, "model", type(origin)) is not sender:
        return  # deleted with its video (video_deleting bumps them all at once) or recipient
    bump_now_and_on_commit(user_generation_key(instance.recipient_id))


def video_deleting(instance, **_kwargs) -> None:
    """Its notifications go with it: their recipients' unread counts, in one bump."""
    from apps.notifications.models import Notification

    unread = Notification.objects.filter(video=instance, read_at__isnull=True)
    recipients = unread.values_list("recipient_id", flat=True)
    bump_now_and_on_commit(*(user_generation_key(user_id) for user_id in recipients))


def connect() -> None:
    from apps.accounts.models import Subscription, User
    from apps.notifications.models import Notification
    from apps.videos.models import Comment, Like, Video

    receivers = {
        Video: video_changed,
        Subscription: subscription_changed,
        User: user_changed,
        Like: reaction_changed,
        Comment: reaction_changed,
        Notification: notification_changed,
    }
    for model, receiver in receivers.items():
        name = model.__name__
        post_save.connect(receiver, sender=model, dispatch_uid=f"pages-{name}-s")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"pages-{name}-d")
    pre_delete.connect(video_deleting, sender=Video, dispatch_uid="pages-Video-pd")
