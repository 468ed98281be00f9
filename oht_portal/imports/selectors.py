"""Scoped reads of import runs: site admins see all; OHT staff see the runs they started
and those that covered one of their OHTs."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from oht_portal.choices import Role
from oht_portal.models import ImportRun
from oht_portal.scoping import ohts_for_user

UPLOAD_ROLES = frozenset({Role.OHT_STAFF})


def may_upload_extracts(user) -> bool:
    return user.is_superuser or ohts_for_user(user, roles=UPLOAD_ROLES).exists()


def import_run_list(*, user, roles=UPLOAD_ROLES) -> QuerySet[ImportRun]:
    """Runs `user` started or that covered an OHT where they hold one of `roles` (the
    pages: OHT staff; the API's status-only view: any role)."""
    runs = ImportRun.objects.select_related("started_by").prefetch_related("ohts")
    if user.is_superuser:
        return runs
    mine = ohts_for_user(user, roles=roles).values("pk")
    return runs.filter(Q(started_by=user) | Q(ohts__in=mine)).distinct()


def import_run_get(*, user, pk: int) -> ImportRun:
    return get_object_or_404(import_run_list(user=user), pk=pk)
