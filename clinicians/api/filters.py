"""Filters of the clinician and team lists of the directory API (locations use the
directory page's own FilterSet). Each `ordering` is an explicit allowlist."""

import django_filters
from django.utils.translation import gettext_lazy as _

from clinicians.models import Clinician, PrimaryCareTeam


class ClinicianFilter(django_filters.FilterSet):
    ordering = django_filters.OrderingFilter(
        fields=["family_name", "registration_number", "id"], label=_("Sort by")
    )

    class Meta:
        model = Clinician
        fields = ["clinician_type", "registration_body", "registration_number"]


class TeamFilter(django_filters.FilterSet):
    ordering = django_filters.OrderingFilter(fields=["name", "id"], label=_("Sort by"))

    class Meta:
        model = PrimaryCareTeam
        fields = ["team_type", "pcn_member"]
