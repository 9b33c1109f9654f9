"""Operational endpoints: /healthz and /version."""

import os

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.health import run_checks


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, checks, timings = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks, "ms": timings},
        status=200 if healthy else 503,
    )


@never_cache
@require_GET
def version(request: HttpRequest) -> JsonResponse:
    """The running release, from Heroku's runtime dyno metadata."""
    return JsonResponse(
        {
            "release": os.environ.get("HEROKU_RELEASE_VERSION"),
            "commit": os.environ.get("HEROKU_SLUG_COMMIT"),
            "created_at": os.environ.get("HEROKU_RELEASE_CREATED_AT"),
            "app": os.environ.get("HEROKU_APP_NAME"),
            "dyno": os.environ.get("DYNO"),
        }
    )
