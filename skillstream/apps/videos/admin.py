from django.contrib import admin

from apps.videos.models import Comment, Video


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "status", "view_count", "size_bytes", "created_at"]
    list_filter = ["status", "content_type"]
    list_select_related = ["owner"]
    search_fields = ["title", "tags", "owner__email", "owner__handle"]
    raw_id_fields = ["owner"]
    readonly_fields = ["content_type", "size_bytes", "duration_seconds", "view_count"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["video", "author", "created_at"]
    list_select_related = ["video", "author"]
    search_fields = ["body", "author__email"]
    raw_id_fields = ["video", "author"]
