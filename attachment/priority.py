"""A transparent priority score: cohort first, then complex vulnerable and time waited.

The weights live in settings (`ATTACHMENT_PRIORITY`) with a version, so that a score
shown on a page or kept with a proposal can be traced to the rule that made it. The
score is `cohort + complex_vulnerable + per_month * months waited`; with the default
weights a cohort patient always outranks a non-cohort one."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Case, ExpressionWrapper, FloatField, Value, When
from django.db.models.functions import Cast, ExtractDay, ExtractMonth, ExtractYear
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Priority:
    score: float
    version: str
    reasons: list[str]

    @property
    def explanation(self) -> str:
        return " · ".join(self.reasons)


def months_waited(registered: date, today: date) -> int:
    months = (today.year - registered.year) * 12 + (today.month - registered.month)
    return max(0, months - (today.day < registered.day))


def patient_priority(patient, today: date) -> Priority:
    weights = settings.ATTACHMENT_PRIORITY
    months = months_waited(patient.registration_date, today)
    score = weights["per_month_waited"] * months
    reasons = []
    if patient.in_cohort:
        score += weights["cohort"]
        reasons.append(_("cohort"))
    if patient.complex_vulnerable:
        score += weights["complex_vulnerable"]
        reasons.append(_("complex vulnerable"))
    reasons.append(ngettext("%(n)d month waiting", "%(n)d months waiting", months) % {"n": months})
    return Priority(score=float(score), version=weights["version"], reasons=reasons)


def priority_sort_key():
    """An SQL expression that orders patients exactly as their scores do, on any day:
    the score is a constant (today) plus this key, so no date arithmetic is needed and
    the order is the same on PostgreSQL and SQLite. Sort descending."""
    weights = settings.ATTACHMENT_PRIORITY
    cohort = Case(
        When(registration_date__lte=settings.HCC_COHORT_DATE, then=Value(float(weights["cohort"]))),
        default=Value(0.0),
        output_field=FloatField(),
    )
    complex_vulnerable = Case(
        When(complex_vulnerable=True, then=Value(float(weights["complex_vulnerable"]))),
        default=Value(0.0),
        output_field=FloatField(),
    )
    registered_months = ExpressionWrapper(
        ExtractYear("registration_date") * 12
        + ExtractMonth("registration_date")
        + Cast(ExtractDay("registration_date"), FloatField()) / 31.0,
        output_field=FloatField(),
    )
    return ExpressionWrapper(
        cohort + complex_vulnerable - registered_months * float(weights["per_month_waited"]),
        output_field=FloatField(),
    )
