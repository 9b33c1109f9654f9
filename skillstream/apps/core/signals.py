"""Connect content changes to the anonymous page cache."""

from django.db.models.signals import post_delete, post_save

from apps.core.cache import invalidate_pages


def connect() -> None:
    from apps.accounts.models import Subscription, User
    from apps.videos.models import Video

    for model in (Video, Subscription, User):
        post_save.connect(invalidate_pages, sender=model, dispatch_uid=f"pages-{model.__name__}-s")
        post_delete.connect(
            invalidate_pages, sender=model, dispatch_uid=f"pages-{model.__name__}-d"
        )
