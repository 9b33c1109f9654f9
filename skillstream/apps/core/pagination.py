from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def paginate(
    request: HttpRequest, queryset: QuerySet, per_page: int | None = None, param: str = "page"
) -> Page:
    """The requested page of queryset; a missing, bad or out-of-range number gives the first or
    last page (Paginator.get_page), never an error."""
    paginator = Paginator(queryset, per_page or settings.VIDEOS_PER_PAGE)
    return paginator.get_page(request.GET.get(param))
