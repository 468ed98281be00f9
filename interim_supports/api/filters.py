"""Filters of the interim supports API: the search page's FilterSet with an `ordering`
allowlist, and the offers' filters. An unknown `ordering` is a 400."""

import django_filters
from django.utils.translation import gettext_lazy as _

from interim_supports.choices import OfferChannel
from interim_supports.filters import SupportFilter
from interim_supports.models import SupportOffer


class SupportAPIFilter(SupportFilter):
    """The search page's filters. `ordering` sorts the list; without it, a list asked for
    a `patient`, `fsa` or `language` is ranked by relevance."""

    ordering = django_filters.OrderingFilter(
        fields=[
            ("name_en", "name_en"),
            ("name_fr", "name_fr"),
            ("last_verified_on", "last_verified_on"),
            ("oht__code", "oht"),
            ("id", "id"),
        ],
        label=_("Sort by"),
    )


class SupportOfferFilter(django_filters.FilterSet):
    channel = django_filters.ChoiceFilter(choices=OfferChannel.choices, label=_("Channel"))
    ordering = django_filters.OrderingFilter(fields=["offered_at", "id"], label=_("Sort by"))

    class Meta:
        model = SupportOffer
        fields = ["channel"]
