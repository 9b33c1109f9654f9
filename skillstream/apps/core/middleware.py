"""Content-Security-Policy header: same-origin scripts and styles, media from the bucket/CDN."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def build_policy() -> str:
    media = " ".join(settings.CSP_MEDIA_ORIGINS)
    upload = " ".join(settings.CSP_UPLOAD_ORIGINS)
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": f"'self' data: {media}",
        "media-src": f"'self' blob: {media}",
        "connect-src": f"'self' {upload}",
        "form-action": f"'self' {upload}",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value.strip()}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = build_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
