"""Scoped reads of the clinician directory. Anyone with a role in an OHT reads its
directory and capacity (business contacts, no health information); only
DIRECTORY_EDIT_ROLES change it. Another OHT's location is a 404."""

from django.db.models import QuerySet
from django.http import Http404

from clinicians.capacity import with_capacity
from clinicians.models import Clinician, PracticeLocation, PrimaryCareTeam, SavedLocationReport
from oht_portal.choices import DIRECTORY_EDIT_ROLES
from oht_portal.scoping import ANY_ROLE, scope_to_user


def location_list(*, user, roles=ANY_ROLE, today=None) -> QuerySet[PracticeLocation]:
    """Practice locations of the user's OHTs, annotated with their capacity."""
    locations = PracticeLocation.objects.select_related("clinician", "oht", "team")
    return with_capacity(scope_to_user(locations, user, roles=roles), today)


def location_get(*, user, pk: int, for_edit: bool = False) -> PracticeLocation:
    roles = DIRECTORY_EDIT_ROLES if for_edit else ANY_ROLE
    try:
        return location_list(user=user, roles=roles).get(pk=pk)
    except PracticeLocation.DoesNotExist:
        raise Http404 from None


def clinician_get(*, user, pk: int, for_edit: bool = False) -> Clinician:
    """A clinician practising in one of the user's OHTs."""
    roles = DIRECTORY_EDIT_ROLES if for_edit else ANY_ROLE
    located = scope_to_user(PracticeLocation.objects.all(), user, roles=roles)
    clinician = Clinician.objects.filter(pk=pk, locations__in=located).distinct().first()
    if clinician is None:
        raise Http404
    return clinician


def team_list(*, user, roles=ANY_ROLE) -> QuerySet[PrimaryCareTeam]:
    return scope_to_user(PrimaryCareTeam.objects.select_related("oht"), user, roles=roles)


def saved_report_list(*, user) -> QuerySet[SavedLocationReport]:
    return scope_to_user(SavedLocationReport.objects.select_related("oht"), user, roles=ANY_ROLE)
