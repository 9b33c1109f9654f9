"""Video search: PostgreSQL full-text search with ranking and prefix matching; a plain
case-insensitive match elsewhere (SQLite in development)."""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet

MAX_TERMS = 8


def terms(query: str) -> list[str]:
    # Words only: nothing from the user reaches to_tsquery's operator syntax.
    return re.findall(r"\w+", query.lower())[:MAX_TERMS]


def search_videos(queryset: QuerySet, query: str) -> QuerySet:
    words = terms(query)
    if not words:
        return queryset.none()
    if connection.vendor == "postgresql":
        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector("tags", weight="B", config="english")
            + SearchVector("owner__display_name", "owner__handle", weight="B", config="english")
            + SearchVector("description", weight="C", config="english")
        )
        # "djan pyth" → 'djan:* & pyth:*': every word, each as a prefix.
        tsquery = SearchQuery(
            " & ".join(f"{word}:*" for word in words), search_type="raw", config="english"
        )
        return (
            queryset.annotate(search=vector, rank=SearchRank(vector, tsquery))
            .filter(search=tsquery)
            .order_by("-rank", "-created_at", "-pk")
        )
    match = Q()
    for word in words:
        match &= (
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(tags__icontains=word)
            | Q(owner__handle__icontains=word)
            | Q(owner__display_name__icontains=word)
        )
    return queryset.filter(match)
