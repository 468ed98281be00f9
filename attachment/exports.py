"""The filtered waitlist leaving the portal as a spreadsheet: CSV (streamed) or XLSX.

Every patient in the file gets an audit row (action export) written before their row
is produced, in batches, so the trail records exactly who left the portal even for a
quarter of a million rows. Every text cell goes through `formula_safe`, so a name like
`=HYPERLINK(...)` opens as text, never as a formula. Headers and choice labels follow
the language active when the export was asked for.

The health card number is left out: the HCC id identifies the patient for outreach and
matching, and PHIPA asks for the minimum necessary."""

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import islice

from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from attachment.models import Patient
from attachment.priority import Priority, months_waited, patient_priority
from oht_portal.audit import audit_record_patients
from oht_portal.choices import AuditAction
from oht_portal.exports import formula_safe

FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RowMaker:
    """Turns patients into cells in the language active when it is made. Choice labels,
    yes and no, and priorities (which depend only on cohort, complex vulnerable and
    months waited) are worked out once per export, not once per row: looking labels up
    through Django's lazy translations row by row made a 45,000-row export take half a
    minute."""

    CHOICE_FIELDS = ("preferred_contact", "status", "outreach_state", "verification_state")

    def __init__(self, today: date):
        self.today = today
        self.yes, self.no = _("Yes"), _("No")
        self.labels = {
            name: {value: str(label) for value, label in Patient._meta.get_field(name).choices}
            for name in (*self.CHOICE_FIELDS, "next_step")
        }
        self._priorities: dict[tuple, Priority] = {}

    def label(self, patient: Patient, name: str) -> str:
        value = getattr(patient, name)
        return self.labels[name].get(value, value)

    def yes_no(self, flag: bool) -> str:
        return self.yes if flag else self.no

    def months(self, patient: Patient) -> int:
        return months_waited(patient.registration_date, self.today)

    def priority(self, patient: Patient) -> Priority:
        key = (patient.in_cohort, patient.complex_vulnerable, self.months(patient))
        if key not in self._priorities:
            self._priorities[key] = patient_priority(patient, self.today)
        return self._priorities[key]

    def values(self, patient: Patient) -> list:
        """One patient's cells: text made formula-safe, numbers and dates kept as such."""
        cells = []
        for _header, value in COLUMNS:
            cell = value(patient, self)
            cells.append(cell if isinstance(cell, date) else formula_safe(cell))
        return cells


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


# (header, value): headers are functions, so they are translated when the file is made.
COLUMNS: list[tuple[Callable[[], str], Callable[[Patient, RowMaker], object]]] = [
    (lambda: _("HCC id"), lambda p, rows: p.hcc_id),
    (lambda: _("OHT"), lambda p, rows: p.oht.code),
    (lambda: _("Family name"), lambda p, rows: p.family_name),
    (lambda: _("Given name"), lambda p, rows: p.given_name),
    (lambda: _("Date of birth"), lambda p, rows: p.date_of_birth),
    (lambda: _("Age"), lambda p, rows: p.age_on(rows.today)),
    (lambda: _("Postal code"), lambda p, rows: p.postal_code),
    (lambda: _("FSA"), lambda p, rows: p.fsa),
    (lambda: _("Phone"), lambda p, rows: p.phone),
    (lambda: _("E-mail"), lambda p, rows: p.email),
    (lambda: _("Preferred contact"), lambda p, rows: rows.label(p, "preferred_contact")),
    (lambda: _("Preferred language"), lambda p, rows: p.preferred_language),
    (lambda: _("HCC registration date"), lambda p, rows: p.registration_date),
    (lambda: _("Months waiting"), lambda p, rows: rows.months(p)),
    (lambda: _("Jan 1, 2025 cohort"), lambda p, rows: rows.yes_no(p.in_cohort)),
    (lambda: _("Complex vulnerable"), lambda p, rows: rows.yes_no(p.complex_vulnerable)),
    (lambda: _("Priority score"), lambda p, rows: _number(rows.priority(p).score)),
    (lambda: _("Priority"), lambda p, rows: rows.priority(p).explanation),
    (lambda: _("HCC status"), lambda p, rows: rows.label(p, "status")),
    (lambda: _("On the HCC list"), lambda p, rows: rows.yes_no(p.on_hcc_list)),
    (lambda: _("Outreach"), lambda p, rows: rows.label(p, "outreach_state")),
    (lambda: _("Verification"), lambda p, rows: rows.label(p, "verification_state")),
    (lambda: _("Next step"), lambda p, rows: rows.label(p, "next_step")),
]


def export_headers() -> list[str]:
    return [header() for header, _value in COLUMNS]


def _batches(patients: QuerySet[Patient]) -> Iterator[list[Patient]]:
    rows = patients.iterator(chunk_size=CHUNK_SIZE)
    while batch := list(islice(rows, CHUNK_SIZE)):
        yield batch


def _audited_batches(
    patients: QuerySet[Patient], *, actor, request, detail: dict
) -> Iterator[list[Patient]]:
    """The patients in batches, each one's audit rows written before it is handed on."""
    for batch in _batches(patients):
        audit_record_patients(
            actor=actor, action=AuditAction.EXPORT, patients=batch, request=request, detail=detail
        )
        yield batch


def _filename(extension: str) -> str:
    # Nothing personal in the name: no search text, only the date.
    return f"waitlist_{timezone.localdate():%Y%m%d}.{extension}"


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(batches: Iterable[list[Patient]], *, language: str) -> Iterator[str]:
    """The CSV, header first, one string per batch. A byte-order mark lets Excel read
    the accents of French names and labels."""
    writer = csv.writer(_Echo())
    with translation.override(language):
        header = "\ufeff" + writer.writerow(export_headers())
        rows = RowMaker(timezone.localdate())
    yield header
    for batch in batches:
        # The language is set around the work only, never across a yield.
        with translation.override(language):
            lines = "".join(
                writer.writerow(
                    [cell.isoformat() if isinstance(cell, date) else cell for cell in row]
                )
                for row in map(rows.values, batch)
            )
        yield lines


def csv_response(
    patients: QuerySet[Patient], *, actor, request, detail: dict
) -> StreamingHttpResponse:
    """Stream the CSV: rows leave as they are read, 2,000 at a time, audited first."""
    batches = _audited_batches(patients, actor=actor, request=request, detail=detail)
    response = StreamingHttpResponse(
        csv_lines(batches, language=translation.get_language()),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


def xlsx_response(patients: QuerySet[Patient], *, actor, request, detail: dict) -> FileResponse:
    """Build the workbook (openpyxl's write-only mode keeps memory flat) in a temporary
    file, then send it. The audit rows and the file are made in one transaction: if the
    workbook cannot be made, no patient is recorded as exported."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Waitlist")[:31])
    sheet.append(export_headers())
    rows = RowMaker(timezone.localdate())
    with transaction.atomic():
        for batch in _audited_batches(patients, actor=actor, request=request, detail=detail):
            for patient in batch:
                sheet.append(rows.values(patient))
        output = tempfile.TemporaryFile()  # FileResponse closes it
        workbook.save(output)
    output.seek(0)
    return FileResponse(
        output, as_attachment=True, filename=_filename("xlsx"), content_type=XLSX_MIME
    )
