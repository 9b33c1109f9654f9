"""Videos, their likes and comments."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from apps.videos.uploads import thumbnail_key, video_key


def video_upload_to(instance: "Video", filename: str) -> str:
    return video_key(instance.owner_id, filename)


def thumbnail_upload_to(instance: "Video", filename: str) -> str:
    return thumbnail_key(instance.owner_id, filename)


class VideoQuerySet(models.QuerySet["Video"]):
    def published(self) -> "VideoQuerySet":
        return self.filter(status=Video.Status.READY)

    def for_cards(self) -> "VideoQuerySet":
        """What a video card shows, in one query whatever the number of videos."""
        return self.select_related("owner").order_by("-created_at", "-pk")

    def with_stats(self) -> "VideoQuerySet":
        """Like and comment counts as subqueries (no row multiplication, no N+1)."""
        likes = Like.objects.filter(video=models.OuterRef("pk")).order_by().values("video")
        comments = Comment.objects.filter(video=models.OuterRef("pk")).order_by().values("video")
        count = models.Func(models.F("pk"), function="COUNT")
        return self.annotate(
            like_count=models.Subquery(likes.annotate(n=count).values("n")[:1]),
            comment_count=models.Subquery(comments.annotate(n=count).values("n")[:1]),
        )


class Video(models.Model):
    class Status(models.TextChoices):
        UPLOADING = "uploading", "Uploading"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="videos"
    )
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=5000, blank=True)
    tags = models.CharField(
        max_length=200, blank=True, help_text="Comma-separated, e.g. python, django, testing"
    )
    file = models.FileField(max_length=500, blank=True, upload_to=video_upload_to)
    thumbnail = models.ImageField(max_length=500, blank=True, upload_to=thumbnail_upload_to)
    status = models.CharField(max_length=12, choices=Status, default=Status.PROCESSING)
    status_message = models.CharField(max_length=300, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    view_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VideoQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["owner", "status", "-created_at"], name="video_owner_status_created"
            ),
            models.Index(fields=["status", "-created_at"], name="video_status_created"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # view_count belongs to the view-count fold (apps.videos.view_counts): saving a video
        # loaded earlier must not write back the count it read, losing the views folded since.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "view_count"
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("videos:watch", args=[self.pk])

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in (t.strip() for t in self.tags.split(",")) if tag]

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def duration_label(self) -> str:
        if self.duration_seconds is None:
            return ""
        total = round(self.duration_seconds)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


class Like(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "video"], name="unique_like")]

    def __str__(self) -> str:
        return f"{self.user} likes {self.video}"


class Comment(models.Model):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.author} on {self.video}"

    @property
    def deleters(self) -> tuple[int, int]:
        """Who may delete it: its author and the video's owner (who moderates their videos)."""
        return (self.author_id, self.video.owner_id)

    def can_delete(self, user) -> bool:
        return user.is_authenticated and user.pk in self.deleters


class ViewFold(models.Model):
    """A batch of view counts already added to the videos (so it is never added twice)."""

    batch = models.CharField(max_length=32, unique=True)
    folded_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"views batch {self.batch}"
