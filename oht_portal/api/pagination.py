from django.conf import settings
from rest_framework.pagination import LimitOffsetPagination


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """limit/offset paging; a caller can never ask for more than API_MAX_PAGE_SIZE rows."""

    default_limit = 50

    @property
    def max_limit(self) -> int:
        # Read per request, so the cap follows the setting (and tests can lower it).
        return settings.API_MAX_PAGE_SIZE
