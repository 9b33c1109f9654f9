"""Content-Security-Policy (same-origin scripts and styles, media from the bucket/CDN) and
Permissions-Policy (no camera, microphone, geolocation or payment access for any page)."""

from collections.abc import Callable
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def storage_origins() -> tuple[list[str], list[str]]:
    """(origins media is read from, origins the browser uploads to) for S3 media storage."""
    if settings.STORAGES["default"]["BACKEND"] != "storages.backends.s3.S3Storage":
        return [], []
    bucket = settings.AWS_STORAGE_BUCKET_NAME
    region = getattr(settings, "AWS_S3_REGION_NAME", None) or "us-east-1"
    endpoint = getattr(settings, "AWS_S3_ENDPOINT_URL", None)
    s3 = (
        [_origin(endpoint)]
        if endpoint
        else [f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.{region}.amazonaws.com"]
    )
    domain = getattr(settings, "AWS_S3_CUSTOM_DOMAIN", None)
    media = [f"https://{domain}", *s3] if domain else s3
    return media, s3


PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def build_policy() -> str:
    media, upload = storage_origins()
    media_src = " ".join([*media, *settings.CSP_MEDIA_ORIGINS])
    upload_src = " ".join([*upload, *settings.CSP_UPLOAD_ORIGINS])
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": f"'self' data: {media_src}",
        "media-src": f"'self' blob: {media_src}",
        "connect-src": f"'self' {upload_src}",
        "form-action": f"'self' {upload_src}",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value.strip()}" for name, value in directives.items())


@cache
def current_policy() -> str:
    """build_policy(), built again only when a setting changes (tests override them)."""
    return build_policy()


def _settings_changed(**_kwargs) -> None:
    current_policy.cache_clear()


setting_changed.connect(_settings_changed, dispatch_uid="csp-policy")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", current_policy())
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
