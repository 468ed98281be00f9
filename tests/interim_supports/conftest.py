"""Builders of interim supports for the tests."""

from datetime import date, time

from interim_supports.models import SupportHours, SupportOrganization, SupportService


def make_support(oht, name: str, *, hours=(), organization=None, **fields) -> SupportService:
    """A support of `oht`; `hours` are (weekday, "HH:MM", "HH:MM") triples."""
    organization = (
        organization
        or SupportOrganization.objects.get_or_create(oht=oht, name=f"{oht.code} Health Partners")[0]
    )
    values = {
        "name_en": name,
        "name_fr": f"{name} (fr)",
        "description_en": f"About {name}.",
        "description_fr": f"À propos de {name}.",
        "support_type": "walk_in",
        "languages": "en",
        "last_verified_on": date(2026, 10, 1),
    }
    values.update(fields)
    service = SupportService.objects.create(oht=oht, organization=organization, **values)
    for weekday, opens, closes in hours:
        SupportHours.objects.create(
            service=service,
            weekday=weekday,
            opens_at=time.fromisoformat(opens),
            closes_at=time.fromisoformat(closes),
        )
    return service
