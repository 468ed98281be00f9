"""Dashboard tables leaving the portal as CSV or XLSX, for OHT boards and planners.

Everything here has left the portal, so every figure is small-cell suppressed
(`Table.suppressed_rows`, "<6" for 1 to 5 people) and every text cell goes through
`oht_portal.exports.formula_safe`, so a label from an extract such as `=HYPERLINK(…)`
opens as text. Numbers stay numbers in the XLSX. Headers follow the language active
when the file is made. The view writes one audit row (action export) per file."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from oht_portal.exports import formula_safe
from reporting.suppression import SUPPRESSED, small_label, threshold
from reporting.tables import Table

FORMATS = ("csv", "xlsx")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class ExportContext:
    """What the figures are of: written beside them so a file read alone still says."""

    scope_code: str
    scope_label: str
    quarter_code: str
    quarter_label: str
    period_start: date | None
    period_end: date | None
    as_of: date | None
    built_at: datetime | None


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return formula_safe(value)


def export_rows(table: Table, context: ExportContext) -> tuple[list[str], list[list]]:
    """Headers and suppressed, formula-safe rows, each led by the scope and quarter."""
    headers = [_("OHT or roll-up"), _("Dashboard quarter"), *table.headers]
    lead = [formula_safe(context.scope_label), formula_safe(context.quarter_label)]
    rows = [lead + [_cell(value) for value in row] for row in table.cells(suppressed=True)]
    return [formula_safe(header) for header in headers], rows


def about_rows(table: Table, context: ExportContext) -> list[list[str]]:
    """The file's own description: scope, period, when built, and how it is suppressed."""

    def day(value):
        return date_format(value) if value else ""

    return [
        [_("Table"), table.title],
        [_("OHT or roll-up"), context.scope_label],
        [_("Quarter"), context.quarter_label],
        [_("Period"), f"{day(context.period_start)} – {day(context.period_end)}"],
        [_("Figures as of"), day(context.as_of)],
        [
            _("Built"),
            date_format(timezone.localtime(context.built_at), "DATETIME_FORMAT")
            if context.built_at
            else "",
        ],
        [_("Exported"), date_format(timezone.localtime(), "DATETIME_FORMAT")],
        [
            _("Small cells"),
            _(
                "Counts of 1 to %(max)s people are shown as “%(label)s” to protect privacy; "
                "zero is shown as 0."
            )
            % {"max": threshold(), "label": small_label()},
        ],
        [
            SUPPRESSED,
            _("A median, percentile or difference hidden because it describes a small group."),
        ],
    ]


def file_name(table: Table, context: ExportContext, file_format: str) -> str:
    """Scope code, quarter and the day: nothing else (no free text in a file name)."""
    return (
        f"oht-dashboard-{table.key}_{context.scope_code}_{context.quarter_code}"
        f"_{timezone.localdate():%Y%m%d}.{file_format}"
    )


def csv_bytes(table: Table, context: ExportContext) -> bytes:
    """With a byte-order mark, so that Excel reads the accents."""
    headers, rows = export_rows(table, context)
    output = io.StringIO()
    output.write("\ufeff")
    writer = csv.writer(output)
    writer.writerow(headers)
    writer.writerows(rows)
    return output.getvalue().encode("utf-8")


def sheet_title(text: str) -> str:
    return SHEET_UNSAFE.sub(" ", text)[:31] or "Sheet"


def xlsx_bytes(table: Table, context: ExportContext) -> bytes:
    """The figures on the first sheet (headers frozen), the description on the second."""
    headers, rows = export_rows(table, context)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(table.title)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(len(header), 10), 40)
    about = workbook.create_sheet(sheet_title(_("About these figures")))
    for label, value in about_rows(table, context):
        about.append([formula_safe(label), formula_safe(value)])
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 90
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def table_response(table: Table, context: ExportContext, file_format: str) -> HttpResponse:
    if file_format == "xlsx":
        response = HttpResponse(xlsx_bytes(table, context), content_type=XLSX_MIME)
    else:
        response = HttpResponse(csv_bytes(table, context), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{file_name(table, context, file_format)}"'
    )
    return response
