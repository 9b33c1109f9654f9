"""Connect content changes to the generations of the cached pages that show them."""

from django.db.models.signals import post_delete, post_save

from apps.core.cache import bump, invalidate_pages, studio_generation_key, video_generation_key


def video_changed(instance, update_fields=None, **_kwargs) -> None:
    invalidate_pages(update_fields=update_fields)
    bump(studio_generation_key(instance.owner_id))


def reaction_changed(sender, instance, origin=None, **_kwargs) -> None:
    """A like or a comment: its video's page and the video owner's studio."""
    if origin is not None and getattr(origin, "model", type(origin)) is not sender:
        return  # deleted with its video or its author, whose own signal retires the pages
    bump(video_generation_key(instance.video_id), studio_generation_key(instance.video.owner_id))


def subscription_changed(instance, **_kwargs) -> None:
    invalidate_pages()
    bump(studio_generation_key(instance.channel_id))


def connect() -> None:
    from apps.accounts.models import Subscription, User
    from apps.videos.models import Comment, Like, Video

    receivers = {
        Video: video_changed,
        Subscription: subscription_changed,
        User: invalidate_pages,
        Like: reaction_changed,
        Comment: reaction_changed,
    }
    for model, receiver in receivers.items():
        name = model.__name__
        post_save.connect(receiver, sender=model, dispatch_uid=f"pages-{name}-s")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"pages-{name}-d")
