"""Finding supports for a patient: filter in SQL, then rank the few dozen left by what
matters to the person in front of you.

Relevance, highest first: serves the patient's FSA (or all of Ontario), offers their
language, is open now, and, for a rural FSA (digit 0), offers a virtual option. Each
match adds its weight and its reason, so the page can say why a support is on top."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from interim_supports.hours import service_open_at
from interim_supports.models import SupportHours, SupportLocation, SupportService
from oht_portal.models import ServedFSA

WEIGHTS = {"fsa": 8, "language": 4, "open_now": 2, "virtual_rural": 1}
REASONS = {
    "fsa": _("serves this FSA"),
    "language": _("offers this language"),
    "open_now": _("open now"),
    "virtual_rural": _("virtual option for a rural area"),
}


def is_rural_fsa(fsa: str) -> bool:
    """Canada Post gives rural areas an FSA whose digit is 0 (K0A, P0M)."""
    return len(fsa) == 3 and fsa[1] == "0"


def code_in_list_q(field_name: str, code: str) -> Q:
    return Q(**{f"{field_name}__regex": rf"(^|;){code}(;|$)"})


def serves_fsa_q(fsa: str) -> Q:
    """Serves `fsa`: listed, or the whole catchment of its OHT when none are listed, or
    all of Ontario."""
    catchment = ServedFSA.objects.filter(fsa=fsa).values("oht_id")
    return (
        Q(province_wide=True)
        | code_in_list_q("fsas_served", fsa)
        | (Q(fsas_served="") & Q(oht_id__in=catchment))
    )


def eligible_q(*, age: int | None = None, attached: bool | None = None) -> Q:
    condition = Q()
    if age is not None:
        condition &= (Q(min_age__isnull=True) | Q(min_age__lte=age)) & (
            Q(max_age__isnull=True) | Q(max_age__gte=age)
        )
    if attached:
        condition &= Q(unattached_only=False)
    return condition


def with_schedule(services: QuerySet[SupportService]) -> QuerySet[SupportService]:
    return services.select_related("organization", "oht").prefetch_related(
        Prefetch("hours", queryset=SupportHours.objects.order_by("weekday", "opens_at")),
        Prefetch("locations", queryset=SupportLocation.objects.order_by("pk")),
    )


@dataclass
class Ranked:
    service: SupportService
    score: int = 0
    reasons: list = field(default_factory=list)
    open_now: bool = False


def rank(
    services,
    *,
    fsa: str = "",
    language: str = "",
    moment: datetime | None = None,
) -> list[Ranked]:
    """`services` (with hours and locations prefetched) best first, each with its score
    and the reasons for it; ties by name."""
    moment = moment or timezone.now()
    services = list(services)
    rural = is_rural_fsa(fsa)
    # OHTs whose whole catchment holds the FSA: their supports that list no FSA serve it.
    whole_oht = set(ServedFSA.objects.filter(fsa=fsa).values_list("oht_id", flat=True))
    ranked = []
    for service in services:
        item = Ranked(service=service, open_now=service_open_at(service, moment))
        serves = (
            service.province_wide
            or fsa in service.fsa_codes()
            or (not service.fsas_served and service.oht_id in whole_oht)
        )
        matches = {
            "fsa": bool(fsa) and serves,
            "language": bool(language) and language in service.language_codes(),
            "open_now": item.open_now,
            "virtual_rural": rural and service.has_virtual_option(),
        }
        for name, matched in matches.items():
            if matched:
                item.score += WEIGHTS[name]
                item.reasons.append(REASONS[name])
        ranked.append(item)
    ranked.sort(key=lambda item: (-item.score, item.service.name_en.casefold()))
    return ranked
