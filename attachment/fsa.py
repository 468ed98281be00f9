"""Per-FSA figures of an OHT's waitlist: the planning view the provincial guidance asks
OHTs and PCNs to review (active patients, complex vulnerable, time waiting), with the
progress of outreach and verification beside them.

Counts only, never a person: the database makes them with conditional aggregates, one
GROUP BY query per OHT, so the page costs the same for 400 patients or 40,000. Every
figure counts active patients still on the HCC list, like the province's
`hcc_fsa_summary` extract, so the columns are parts of the same whole."""

from dataclasses import dataclass, fields
from datetime import date

from django.db.models import Count, Q, QuerySet

from attachment.choices import HCCStatus, OutreachState, VerificationState
from attachment.filters import WAIT_BAND_MONTHS, in_cohort_q, wait_band_q
from attachment.models import Patient
from oht_portal.choices import PATIENT_DATA_ROLES, Role
from oht_portal.models import OHT, ServedFSA
from oht_portal.scoping import ohts_for_user, scope_to_user

# PCN leads plan with aggregates (they see no patient), so they see this view too.
FSA_ROLES = PATIENT_DATA_ROLES | {Role.PCN_LEAD}


@dataclass(frozen=True)
class FSAFigures:
    """One FSA's counts (or the OHT's totals, with `fsa` empty)."""

    fsa: str
    active: int = 0
    cohort: int = 0
    complex_vulnerable: int = 0
    wait_0_6: int = 0
    wait_6_12: int = 0
    wait_12_24: int = 0
    wait_24_plus: int = 0
    verified: int = 0
    unreachable: int = 0
    served: bool = False

    @property
    def is_rural(self) -> bool:
        """Canada Post gives rural FSAs the digit 0."""
        return len(self.fsa) == 3 and self.fsa[1] == "0"


COUNT_FIELDS = [field.name for field in fields(FSAFigures) if field.type is int]


@dataclass(frozen=True)
class FSAOverview:
    oht: OHT
    rows: list[FSAFigures]
    totals: FSAFigures


def fsa_ohts(*, user) -> QuerySet[OHT]:
    """The OHTs whose per-FSA figures `user` may see."""
    return ohts_for_user(user, roles=FSA_ROLES).order_by("code")


def fsa_counts(*, today: date) -> dict[str, Count]:
    """The conditional aggregates, by figure name, over active patients on the list."""
    band_fields = {"0_6": "wait_0_6", "6_12": "wait_6_12", "12_24": "wait_12_24"}
    band_fields["24_plus"] = "wait_24_plus"
    counts = {
        "active": Count("oht"),
        "cohort": Count("oht", filter=in_cohort_q()),
        "complex_vulnerable": Count("oht", filter=Q(complex_vulnerable=True)),
        "verified": Count("oht", filter=~Q(verification_state=VerificationState.UNVERIFIED)),
        "unreachable": Count(
            "oht",
            filter=Q(verification_state=VerificationState.UNREACHABLE)
            | Q(outreach_state=OutreachState.UNREACHABLE),
        ),
    }
    for band in WAIT_BAND_MONTHS:
        counts[band_fields[band]] = Count("oht", filter=wait_band_q(band, today))
    return counts


def fsa_summary(*, user, oht: OHT, today: date) -> FSAOverview:
    """Per-FSA counts of `oht`'s active patients, scoped to what `user` may see (an OHT
    the person has no role in gives no rows). FSAs the OHT serves appear even with no
    patient waiting; FSAs where its patients live but that it does not serve appear too."""
    if not fsa_ohts(user=user).filter(pk=oht.pk).exists():
        return FSAOverview(oht=oht, rows=[], totals=FSAFigures(fsa=""))
    patients = scope_to_user(Patient.objects.filter(oht=oht), user, roles=FSA_ROLES)
    grouped = (
        patients.filter(status=HCCStatus.ACTIVE, on_hcc_list=True)
        .values("fsa")
        .annotate(**fsa_counts(today=today))
        .order_by("fsa")
    )
    by_fsa = {row.pop("fsa"): row for row in grouped}
    served = set(ServedFSA.objects.filter(oht=oht).values_list("fsa", flat=True))
    rows = [
        FSAFigures(fsa=fsa, served=fsa in served, **by_fsa.get(fsa, {}))
        for fsa in sorted(served | by_fsa.keys())
    ]
    totals = FSAFigures(
        fsa="", **{name: sum(getattr(row, name) for row in rows) for name in COUNT_FIELDS}
    )
    return FSAOverview(oht=oht, rows=rows, totals=totals)
