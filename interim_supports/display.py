"""How a support reads on a page, a printed list or an e-mail: its catchment, how to
access it, its weekly hours (a period past midnight says so) and, for lists shared with
a patient, every text in one chosen language. No URL patterns here."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from interim_supports.choices import LocationType
from interim_supports.hours import service_open_at
from interim_supports.models import SupportHours, SupportService
from interim_supports.search import Ranked, rank

LIST_LANGUAGES = ("en", "fr")


def other_language(language: str) -> str:
    return "en" if language == "fr" else "fr"


def list_language(value: str | None, fallback: str = "en") -> str:
    """`value` when it is one of the list's languages, else `fallback`."""
    return value if value in LIST_LANGUAGES else fallback


def catchment_label(service: SupportService) -> str:
    if service.province_wide:
        return _("all of Ontario")
    return ", ".join(service.fsa_codes()) or _("whole OHT")


def access_labels(service: SupportService) -> list[str]:
    return [
        label
        for flag, label in (
            (service.walk_in, _("walk in")),
            (service.by_appointment, _("book an appointment")),
            (service.by_phone, _("by phone")),
            (service.online, _("online")),
        )
        if flag
    ]


def period_label(period: SupportHours) -> str:
    """09:00–17:00; 20:00–02:00 (next day); 00:00–00:00 is the whole day."""
    opens, closes = f"{period.opens_at:%H:%M}", f"{period.closes_at:%H:%M}"
    if period.opens_at == period.closes_at and period.opens_at.hour == period.opens_at.minute == 0:
        return _("open 24 hours")
    if period.past_midnight:
        return _("%(opens)s–%(closes)s (next day)") % {"opens": opens, "closes": closes}
    return f"{opens}–{closes}"


@dataclass
class Day:
    name: str
    periods: list[str] = field(default_factory=list)


def week(service: SupportService) -> list[Day]:
    """Monday to Sunday, each day with its periods (none: closed). Reads
    `service.hours.all()`, so prefetch it for lists."""
    days = [Day(name=capfirst(str(WEEKDAYS[number]))) for number in range(7)]
    for period in sorted(service.hours.all(), key=lambda p: (p.weekday, p.opens_at)):
        days[period.weekday].periods.append(period_label(period))
    return days


def hours_lines(service: SupportService) -> list[str]:
    """The open days only, one line each ("Monday: 09:00–17:00"), for lists."""
    return [
        _("%(day)s: %(periods)s") % {"day": day.name, "periods": "; ".join(day.periods)}
        for day in week(service)
        if day.periods
    ]


def hours_short(service: SupportService) -> list[str]:
    """The open days grouped where their hours repeat, for a list that must fit a page:
    "Mon–Thu 08:00–20:00", "Fri 20:00–02:00 (next day)"."""
    periods = [[] for _day in range(7)]
    for period in sorted(service.hours.all(), key=lambda p: (p.weekday, p.opens_at)):
        periods[period.weekday].append(period_label(period))
    groups, start = [], 0
    for day in range(1, 8):
        if day == 7 or periods[day] != periods[start]:
            if periods[start]:
                first, last = (capfirst(str(WEEKDAYS_ABBR[d])) for d in (start, day - 1))
                days = first if start == day - 1 else f"{first}–{last}"
                groups.append(f"{days} {', '.join(periods[start])}")
            start = day
    return groups


def location_lines(service: SupportService) -> list[str]:
    lines = []
    for location in service.locations.all():
        if location.location_type == LocationType.VIRTUAL:
            lines.append(" · ".join(part for part in (location.name, location.url) if part))
            continue
        postal = location.postal_code
        postal = f"{postal[:3]} {postal[3:]}" if len(postal) == 6 else postal
        place = ", ".join(part for part in (location.address, location.city, postal) if part)
        lines.append(" · ".join(part for part in (location.name, place) if part))
    return lines


def phone_label(number: str) -> str:
    if len(number) == 10 and number.isdigit():
        return f"{number[:3]}-{number[3:6]}-{number[6:]}"
    return number


@dataclass
class Card:
    """One support worded in one language, for a list shared with a patient."""

    language: str
    name: str
    kind: str
    description: str
    access: list[str]
    hours: list[str]
    hours_short: list[str]
    closed_on_holidays: bool
    locations: list[str]
    phone: str
    email: str
    url: str
    cost: str
    eligibility: str
    ages: str


def ages_label(service: SupportService) -> str:
    low, high = service.min_age, service.max_age
    if low is None and high is None:
        return ""
    if high is None:
        return _("ages %(low)s and over") % {"low": low}
    if low is None:
        return _("ages up to %(high)s") % {"high": high}
    return _("ages %(low)s to %(high)s") % {"low": low, "high": high}


def card(service: SupportService, language: str) -> Card:
    """`service` in `language`: its texts and every label, whatever the page's language."""
    with translation.override(language):
        cost = str(service.get_cost_display())
        if service.cost_note:
            cost = f"{cost} ({service.cost_note})"
        return Card(
            language=language,
            name=service.name_in(language),
            kind=str(service.get_support_type_display()),
            description=service.description_in(language),
            access=[str(label) for label in access_labels(service)],
            hours=hours_lines(service),
            hours_short=hours_short(service),
            closed_on_holidays=service.closed_on_holidays and bool(service.hours.all()),
            locations=location_lines(service),
            phone=phone_label(service.phone or service.organization.phone),
            email=service.email or service.organization.email,
            url=service.url or service.organization.website,
            cost=cost,
            eligibility=service.eligibility_fr if language == "fr" else service.eligibility_en,
            ages=ages_label(service),
        )


def ranked_supports(
    services,
    *,
    fsa: str = "",
    language: str = "",
    moment: datetime | None = None,
    page_language: str = "en",
) -> list[Ranked]:
    """Best first for an FSA or a language; by name in the page's language otherwise.
    Every item says whether the support is open now."""
    services = list(services)
    moment = moment or timezone.now()
    if fsa or language:
        return rank(services, fsa=fsa, language=language, moment=moment)
    items = [Ranked(service=s, open_now=service_open_at(s, moment)) for s in services]
    items.sort(key=lambda item: item.service.name_in(page_language).casefold())
    return items
