"""The one place that decides which OHTs' data a person may see.

Every query of patient-level data goes through `scope_to_user`, so that a person of
OHT A gets a 404 for anything of OHT B in pages, admin and API alike."""

from collections.abc import Iterable

from django.db.models import QuerySet

from oht_portal.choices import PATIENT_DATA_ROLES, Role
from oht_portal.models import OHT

ANY_ROLE = frozenset(Role)


def ohts_for_user(user, *, roles: Iterable[str] = ANY_ROLE) -> QuerySet[OHT]:
    """The OHTs in which `user` holds one of `roles`; every OHT for a site admin."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return OHT.objects.none()
    if user.is_superuser:
        return OHT.objects.all()
    return OHT.objects.filter(memberships__user=user, memberships__role__in=list(roles)).distinct()


def scope_to_user(
    queryset: QuerySet,
    user,
    *,
    oht_field: str = "oht",
    roles: Iterable[str] = PATIENT_DATA_ROLES,
) -> QuerySet:
    """Limit `queryset` to rows whose `oht_field` is an OHT where `user` holds `roles`."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    oht_ids = ohts_for_user(user, roles=roles).values("pk")
    return queryset.filter(**{f"{oht_field}__in": oht_ids})


def roles_of(user) -> list[str]:
    """`role@OHT` labels, for the audit trail's snapshot of who the actor was."""
    if not getattr(user, "is_authenticated", False):
        return []
    labels = [f"{role}@{code}" for role, code in user.memberships.values_list("role", "oht__code")]
    if user.is_superuser:
        labels.insert(0, "site_admin")
    return labels


def may_see_patients(user) -> bool:
    return user.is_superuser or ohts_for_user(user, roles=PATIENT_DATA_ROLES).exists()
