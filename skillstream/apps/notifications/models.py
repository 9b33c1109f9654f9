"""In-app notifications (a subscribed channel published a video)."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
    class Kind(models.TextChoices):
        NEW_VIDEO = "new_video", "New video"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.NEW_VIDEO)
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "video"], name="unique_notification"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient}"
