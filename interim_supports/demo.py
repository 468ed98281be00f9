"""Synthetic interim supports for the embedded demo: a handful per OHT (walk-in,
virtual, NP-led, navigator, pharmacy...), with hours (one past midnight), languages and
FSAs from the OHT's catchment, one past its review date, plus two province-wide lines."""

import random
from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from interim_supports.choices import Cost, LocationType, SupportType
from interim_supports.models import (
    SupportHours,
    SupportLocation,
    SupportOrganization,
    SupportService,
)
from oht_portal.models import OHT

# (type, English name, French name, languages, hours, virtual)
_KINDS = [
    (SupportType.WALK_IN, "Walk-in clinic", "Clinique sans rendez-vous", "en;fr", "day", False),
    (SupportType.VIRTUAL, "Virtual care", "Soins virtuels", "en;fr;ar", "evening", True),
    (SupportType.NP_LED, "NP-led clinic", "Clinique dirigée par IP", "en", "day", False),
    (SupportType.NAVIGATOR, "Patient navigator", "Intervenant pivot", "en;fr", "day", True),
    (
        SupportType.PHARMACY,
        "Pharmacy minor ailments",
        "Affections mineures en pharmacie",
        "en;pa;zh",
        "long",
        False,
    ),
    (
        SupportType.PARAMEDICINE,
        "Community paramedicine",
        "Paramédecine communautaire",
        "en",
        "day",
        False,
    ),
    (SupportType.SHELTER, "Shelter health clinic", "Clinique en refuge", "en;fr", "night", False),
]
_HOURS = {
    "day": [(d, time(9), time(17)) for d in range(5)],
    "evening": [(d, time(16), time(22)) for d in range(7)],
    "long": [(d, time(8), time(22)) for d in range(7)],
    "night": [(d, time(20), time(2)) for d in range(7)],  # past midnight
}


@transaction.atomic
def demo_supports_seed(*, seed: int, ohts=None) -> int:
    """Seed OHTs that have no supports yet; returns the number of supports created."""
    rng = random.Random(f"{seed}:supports")  # noqa: S311 - synthetic demo data
    today = timezone.localdate()
    created = 0
    for oht in ohts or OHT.objects.order_by("code"):
        if oht.support_services.exists():
            continue
        fsas = list(oht.served_fsas.values_list("fsa", flat=True)) or ["M4C"]
        organization = SupportOrganization.objects.create(
            oht=oht, name=f"{oht.name_en} Community Health", phone="4165550100"
        )
        for index, (kind, name_en, name_fr, languages, hours, virtual) in enumerate(_KINDS):
            served = rng.sample(fsas, k=min(len(fsas), rng.randint(1, 3)))
            service = SupportService.objects.create(
                oht=oht,
                organization=organization,
                name_en=f"{name_en} – {oht.name_en}",
                name_fr=f"{name_fr} – {oht.name_fr or oht.name_en}",
                description_en=f"{name_en} for people waiting for a family doctor or NP.",
                description_fr=(
                    f"{name_fr} pour les personnes qui attendent un médecin de famille ou une IP."
                ),
                support_type=kind,
                languages=languages,
                fsas_served="" if index == 0 else ";".join(served),
                walk_in=kind in (SupportType.WALK_IN, SupportType.PHARMACY, SupportType.SHELTER),
                by_appointment=kind in (SupportType.NP_LED, SupportType.VIRTUAL),
                by_phone=kind == SupportType.NAVIGATOR,
                online=virtual,
                cost=Cost.FREE if kind == SupportType.SHELTER else Cost.OHIP,
                phone=f"416555{rng.randint(1000, 9999)}",
                # One entry is past its review date, so the worklist has work.
                last_verified_on=today - timedelta(days=200 if index == 5 else rng.randint(1, 150)),
            )
            SupportHours.objects.bulk_create(
                SupportHours(service=service, weekday=d, opens_at=o, closes_at=c)
                for d, o, c in _HOURS[hours]
            )
            SupportLocation.objects.create(
                service=service,
                location_type=LocationType.VIRTUAL if virtual else LocationType.PHYSICAL,
                name=service.name_en,
                address="" if virtual else f"{rng.randint(1, 999)} Main St",
                city="" if virtual else "Toronto",
                postal_code="" if virtual else f"{served[0]}1A1",
                url="https://care.example.org" if virtual else "",
            )
            created += 1
    first = ohts[0] if ohts else OHT.objects.order_by("code").first()
    if first is not None and not SupportService.objects.filter(province_wide=True).exists():
        created += _province_wide_lines(first, today)
    return created


def _province_wide_lines(oht: OHT, today) -> int:
    """A nurse advice line and 211, open day and night, kept by the first OHT."""
    organization = SupportOrganization.objects.create(oht=oht, name="Province of Ontario")
    lines = [
        (SupportType.VIRTUAL, "Nurse advice line", "Ligne de conseils infirmiers"),
        (SupportType.SOCIAL, "211 Ontario", "211 Ontario"),
    ]
    for kind, name_en, name_fr in lines:
        service = SupportService.objects.create(
            oht=oht,
            organization=organization,
            name_en=name_en,
            name_fr=name_fr,
            description_en=f"{name_en}: free, any time, by phone.",
            description_fr=f"{name_fr} : gratuit, en tout temps, par téléphone.",
            support_type=kind,
            languages="en;fr",
            province_wide=True,
            by_phone=True,
            cost=Cost.FREE,
            closed_on_holidays=False,
            phone="8005550111",
            last_verified_on=today,
        )
        SupportHours.objects.bulk_create(
            SupportHours(service=service, weekday=d, opens_at=time(0), closes_at=time(0))
            for d in range(7)
        )
    return len(lines)
