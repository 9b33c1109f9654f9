"""`{% site_links as links %}`: the navigation's fixed URLs, reversed once per render, so a
page rendered for everyone (apps.core.per_viewer) carries them to each viewer's navigation."""

from django import template
from django.urls import reverse

register = template.Library()

NAMES = {
    "home": "videos:home",
    "feed": "videos:feed",
    "studio": "videos:dashboard",
    "upload": "videos:upload",
    "notifications": "notifications",
    "profile": "accounts:profile",
    "login": "accounts:login",
    "logout": "accounts:logout",
    "signup": "accounts:signup",
}


@register.simple_tag
def site_links() -> dict[str, str]:
    return {key: reverse(name) for key, name in NAMES.items()}
