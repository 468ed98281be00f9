"""The directory leaving the portal as a spreadsheet: the filtered list, the capacity
report for care connectors and the OHT capacity summary, as CSV or XLSX.

Directory rows are business contacts and capacity, no health information: one audit
row per export (written by the view) records who took which filters and how many
rows. A whole province is some tens of thousands of locations, so files are built in
memory. Every text cell goes through `formula_safe`, so a practice named `=HYPERLINK(…)`
opens as text; headers and labels follow the language active when the file is made."""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from clinicians.choices import AcceptingStatus, ClinicianType, DigitalReadiness, EReferralStatus
from clinicians.filters import CAPACITY_STATES
from clinicians.models import PracticeLocation
from oht_portal.exports import formula_safe

FORMATS = ("csv", "xlsx")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Cells:
    """Labels looked up once per file, not once per row and column (lazy translations
    row by row are what made the waitlist export slow)."""

    def __init__(self):
        self.yes, self.no = _("Yes"), _("No")
        self._labels: dict[type, dict[str, str]] = {}

    def yes_no(self, flag: bool | None) -> str:
        return "" if flag is None else (self.yes if flag else self.no)

    def label(self, choices: type[models.TextChoices], value: str) -> str:
        if choices not in self._labels:
            self._labels[choices] = {key: str(text) for key, text in choices.choices}
        return self._labels[choices].get(value, value)

    def state(self, value: str) -> str:
        if "state" not in self._labels:
            self._labels["state"] = {key: str(text) for key, text in CAPACITY_STATES}
        return self._labels["state"].get(value, value)


@dataclass(frozen=True)
class Column:
    """A header (a function, so it is translated when the file is made) and a value."""

    header: Callable[[], str]
    value: Callable[[PracticeLocation, Cells], object]


def _declared(location: PracticeLocation, name: str):
    declaration = location.current_declaration
    return getattr(declaration, name) if declaration is not None else None


def offers_french(location: PracticeLocation) -> bool:
    """The same rule as the French-language services filter."""
    return bool(location.clinician.french_language_services) or "fr" in location.language_codes()


def _team(location: PracticeLocation) -> str:
    return location.team.name if location.team_id else ""


def _places(location: PracticeLocation):
    return location.remaining if location.current_declaration_id else None


_OHT = Column(lambda: _("OHT"), lambda loc, cells: loc.oht.code)
_CLINICIAN = Column(lambda: _("Clinician"), lambda loc, cells: loc.clinician.full_name)
_TYPE = Column(
    lambda: _("Clinician type"),
    lambda loc, cells: cells.label(ClinicianType, loc.clinician.clinician_type),
)
_PRACTICE = Column(lambda: _("Practice"), lambda loc, cells: loc.practice_name)
_ADDRESS = Column(lambda: _("Street address"), lambda loc, cells: loc.address)
_CITY = Column(lambda: _("City"), lambda loc, cells: loc.city)
_POSTAL_CODE = Column(lambda: _("Postal code"), lambda loc, cells: loc.postal_code)
_FSA = Column(lambda: _("FSA"), lambda loc, cells: loc.fsa)
_FSAS_SERVED = Column(lambda: _("Other FSAs served"), lambda loc, cells: loc.fsas_served)
_PHONE = Column(lambda: _("Phone"), lambda loc, cells: loc.phone)
_TEAM = Column(lambda: _("Primary care team"), lambda loc, cells: _team(loc))
_LANGUAGES = Column(lambda: _("Languages"), lambda loc, cells: ";".join(loc.language_codes()))
_PAEDIATRICS = Column(
    lambda: _("Paediatrics"), lambda loc, cells: cells.yes_no(loc.clinician.paediatrics)
)
_FRENCH = Column(
    lambda: _("French-language services"), lambda loc, cells: cells.yes_no(offers_french(loc))
)
_REMOTE = Column(
    lambda: _("Serves remote communities"), lambda loc, cells: cells.yes_no(loc.serves_remote)
)
_VIRTUAL = Column(lambda: _("Virtual visits"), lambda loc, cells: cells.yes_no(loc.virtual_care))
_ACCEPTING = Column(
    lambda: _("Accepting"),
    lambda loc, cells: cells.label(AcceptingStatus, _declared(loc, "accepting_status") or ""),
)
_PLACES_LEFT = Column(lambda: _("Places left"), lambda loc, cells: _places(loc))
_MIN_AGE = Column(lambda: _("Youngest age taken"), lambda loc, cells: _declared(loc, "min_age"))
_MAX_AGE = Column(lambda: _("Oldest age taken"), lambda loc, cells: _declared(loc, "max_age"))
_TAKES_COMPLEX = Column(
    lambda: _("Takes complex vulnerable patients"),
    lambda loc, cells: cells.yes_no(_declared(loc, "takes_complex")),
)
_BATCH = Column(
    lambda: _("Takes referrals in batches of"), lambda loc, cells: _declared(loc, "batch_size")
)
_EXPIRES = Column(lambda: _("Capacity expires on"), lambda loc, cells: _declared(loc, "expires_on"))

# The directory page's export: every attribute the filters work on.
LOCATION_COLUMNS = [
    _OHT,
    _CLINICIAN,
    _TYPE,
    Column(lambda: _("Registration number"), lambda loc, cells: loc.clinician.registration_number),
    _PRACTICE,
    _ADDRESS,
    _CITY,
    _POSTAL_CODE,
    _FSA,
    _FSAS_SERVED,
    _PHONE,
    Column(lambda: _("E-mail"), lambda loc, cells: loc.email),
    _TEAM,
    _LANGUAGES,
    _PAEDIATRICS,
    _FRENCH,
    _REMOTE,
    _VIRTUAL,
    Column(
        lambda: _("Digital readiness"),
        lambda loc, cells: cells.label(DigitalReadiness, loc.digital_readiness),
    ),
    Column(
        lambda: _("E-referral status"),
        lambda loc, cells: cells.label(EReferralStatus, loc.ereferral_status),
    ),
    Column(lambda: _("PCN member"), lambda loc, cells: cells.yes_no(loc.pcn_member)),
    _ACCEPTING,
    Column(lambda: _("Places declared"), lambda loc, cells: _declared(loc, "new_patients")),
    Column(lambda: _("Referrals in flight"), lambda loc, cells: loc.in_flight),
    Column(lambda: _("Accepted since the declaration"), lambda loc, cells: loc.accepted_since),
    _PLACES_LEFT,
    Column(lambda: _("Capacity"), lambda loc, cells: cells.state(loc.capacity_state)),
    Column(
        lambda: _("Last verified"),
        lambda loc, cells: timezone.localdate(v) if (v := _declared(loc, "verified_at")) else None,
    ),
    _EXPIRES,
]

# What care connectors need to refer to a location with room.
CAPACITY_REPORT_COLUMNS = [
    _OHT,
    _CLINICIAN,
    _TYPE,
    _PRACTICE,
    _ADDRESS,
    _CITY,
    _POSTAL_CODE,
    _PHONE,
    _FSA,
    _FSAS_SERVED,
    _TEAM,
    _LANGUAGES,
    _PAEDIATRICS,
    _FRENCH,
    _REMOTE,
    _VIRTUAL,
    Column(
        lambda: _("Wheelchair accessible"),
        lambda loc, cells: cells.yes_no(loc.wheelchair_accessible),
    ),
    _ACCEPTING,
    _PLACES_LEFT,
    _MIN_AGE,
    _MAX_AGE,
    Column(lambda: _("Languages required"), lambda loc, cells: _declared(loc, "languages")),
    _TAKES_COMPLEX,
    _BATCH,
    _EXPIRES,
]


def location_table(
    columns: list[Column], locations: Iterable[PracticeLocation]
) -> tuple[list[str], list[list]]:
    """Headers and rows: text made formula-safe, numbers and dates kept as such."""
    cells = Cells()
    rows = []
    for location in locations:
        row = []
        for column in columns:
            value = column.value(location, cells)
            row.append(value if isinstance(value, date) or value is None else formula_safe(value))
        rows.append(row)
    return [column.header() for column in columns], rows


def table_response(
    file_format: str, headers: list[str], rows: list[list], *, name: str, title: str
) -> HttpResponse:
    """The table as a CSV (with a byte-order mark, so Excel reads the accents) or an
    XLSX file named `name` and today's date (nothing else: no filter text in names)."""
    filename = f"{name}_{timezone.localdate():%Y%m%d}.{file_format}"
    if file_format == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([formula_safe(header) for header in headers])
        for row in rows:
            sheet.append(row)
        output = io.BytesIO()
        workbook.save(output)
        response = HttpResponse(output.getvalue(), content_type=XLSX_MIME)
    else:
        output = io.StringIO()
        output.write("\ufeff")
        writer = csv.writer(output)
        writer.writerow(headers)
        writer.writerows(
            [
                "" if cell is None else cell.isoformat() if isinstance(cell, date) else cell
                for cell in row
            ]
            for row in rows
        )
        response = HttpResponse(output.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
