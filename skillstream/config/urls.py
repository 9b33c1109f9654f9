from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from apps.core import views as core_views
from apps.notifications import views as notification_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("version", core_views.version, name="version"),
    path("admin/", admin.site.urls),
    path("notifications/", notification_views.inbox, name="notifications"),
    path("", include("apps.accounts.urls")),
    path("", include("apps.videos.urls")),
]

if settings.SERVE_MEDIA_LOCALLY:
    # Development and tests keep media on the local disk; production serves it from S3/CloudFront.
    prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [
        re_path(rf"^{prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    ]
