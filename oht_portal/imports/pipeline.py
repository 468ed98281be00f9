"""The extract pipeline every kind shares: keep the file, decode, parse, recognise the
kind, validate, then load in one transaction and record the run.

Three ways in (the `import_extract` command, the upload page through a Celery task,
the inbox beat task) all end in `import_run_execute`, so they behave the same."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import logging
import re
import shutil
import traceback
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from pyarrow import csv as pa_csv

from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction
from oht_portal.imports.base import (
    ExtractImporter,
    ExtractRefused,
    ImportContext,
    ProgressCallback,
    importers,
)
from oht_portal.imports.selectors import UPLOAD_ROLES
from oht_portal.models import ImportIssue, ImportRun
from oht_portal.scoping import ohts_for_user

logger = logging.getLogger(__name__)

MAGIC_SIGNATURES = {
    b"PK\x03\x04": "a zip archive or an Excel workbook (.xlsx)",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip archive",
}


def _kept_path(sha256: str, file_name: str) -> Path:
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(file_name).name)[:120]
    return Path(settings.EXTRACT_ARCHIVE_DIR) / sha256[:2] / f"{sha256}-{safe_name}"


def import_run_create(
    *,
    path: Path,
    trigger: str,
    file_name: str | None = None,
    user=None,
    kind: str = "",
    extract_date: date | None = None,
    force: bool = False,
) -> ImportRun:
    """Record a queued run and keep a read-only copy of the file for audit."""
    path = Path(path)
    file_name = file_name or path.name
    size = path.stat().st_size
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    sha256 = digest.hexdigest()
    kept = _kept_path(sha256, file_name)
    if not kept.exists():
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, kept)
        kept.chmod(0o444)
    return ImportRun.objects.create(
        kind=kind,
        file_name=file_name[:255],
        sha256=sha256,
        size_bytes=size,
        raw_file=str(kept),
        trigger=trigger,
        started_by=user if getattr(user, "is_authenticated", False) else None,
        extract_date=extract_date,
        forced=force,
    )


def import_file(
    path: Path,
    *,
    trigger: str,
    user=None,
    kind: str = "",
    extract_date: date | None = None,
    force: bool = False,
    progress: ProgressCallback | None = None,
    file_name: str | None = None,
) -> ImportRun:
    """Create and run an import in one go (command line, inbox, demo)."""
    run = import_run_create(
        path=path,
        trigger=trigger,
        user=user,
        kind=kind,
        extract_date=extract_date,
        force=force,
        file_name=file_name,
    )
    return import_run_execute(run_id=run.pk, progress=progress)


def import_run_execute(*, run_id: int, progress: ProgressCallback | None = None) -> ImportRun:
    """Run a queued import. Whatever happens, the run ends with a recorded status; a
    failure part-way leaves the database exactly as before the import started.

    The run is claimed with one conditional UPDATE, so a redelivered task never runs it
    twice. A run left "running" by a killed worker (its transaction rolled back) is
    taken over once it is older than EXTRACT_RUN_TIMEOUT_SECONDS."""
    started = timezone.now()
    interrupted = started - timedelta(seconds=settings.EXTRACT_RUN_TIMEOUT_SECONDS)
    claimed = ImportRun.objects.filter(
        Q(status=ImportRun.Status.QUEUED)
        | Q(status=ImportRun.Status.RUNNING, started_at__lt=interrupted),
        pk=run_id,
    ).update(status=ImportRun.Status.RUNNING, started_at=started)
    run = ImportRun.objects.get(pk=run_id)
    if not claimed:
        return run
    try:
        _execute(run, progress)
    except ExtractRefused as refusal:
        _finish(run, ImportRun.Status.REFUSED, error=str(refusal))
    except Exception as exc:
        # A database error's message may quote a value from the file: the log and the
        # run keep the exception's class and where it happened, never its message.
        logger.error(
            "import run %s failed with %s:\n%s",
            run.pk,
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        _finish(
            run,
            ImportRun.Status.FAILED,
            error=f"The import failed ({type(exc).__name__}); nothing was changed. "
            "It can be run again.",
        )
    return run


def _finish(run: ImportRun, status: str, *, error: str = "") -> None:
    if status == ImportRun.Status.FAILED:
        # Nothing of a failed run stays in the database, so none of its counts do either.
        run.rows_read = run.rows_created = run.rows_updated = 0
        run.rows_unchanged = run.rows_rejected = run.warnings_count = 0
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.save()


def _execute(run: ImportRun, progress: ProgressCallback | None) -> None:
    raw = Path(run.raw_file).read_bytes()
    if run.size_bytes > settings.EXTRACT_MAX_BYTES:
        raise ExtractRefused(
            f"The file is {run.size_bytes:,} bytes, over the limit of "
            f"{settings.EXTRACT_MAX_BYTES:,} bytes."
        )
    if progress:
        progress("reading", 0, 1)
    text = decode_extract(raw)
    parsed = parse_csv(text)
    header, bad_shape = parsed.header, parsed.bad_shape
    importer = detect_kind(header, forced=run.kind)
    run.kind = importer.kind
    run.extract_date = run.extract_date or _date_from_file_name(importer, run.file_name)
    run.extract_date = run.extract_date or timezone.localdate()
    if run.extract_date > timezone.localdate():
        raise ExtractRefused(f"The extract date {run.extract_date} is in the future.")
    # The same bytes, as the same kind, for the same extract date: the same file again.
    earlier = (
        ImportRun.objects.filter(
            sha256=run.sha256,
            kind=run.kind,
            extract_date=run.extract_date,
            status=ImportRun.Status.SUCCEEDED,
        )
        .exclude(pk=run.pk)
        .order_by("finished_at")
        .first()
    )
    if earlier is not None and not run.forced:
        _finish(
            run,
            ImportRun.Status.DUPLICATE,
            error=f"This file was already imported (run {earlier.pk}, "
            f"{timezone.localtime(earlier.finished_at):%Y-%m-%d %H:%M}); nothing was changed.",
        )
        return

    frame = parsed.frame if len(parsed.frame) else None
    total_rows = len(parsed.frame) + len(bad_shape)
    if total_rows == 0:
        raise ExtractRefused("The file has a header but no data rows.")

    ctx = ImportContext(
        run=run,
        extract_date=run.extract_date,
        today=timezone.localdate(),
        force=run.forced,
        lines=parsed.lines,
        user=run.started_by,
        progress=progress,
    )
    for line, count in bad_shape:
        ctx.issues.append(
            ImportIssue(
                run=run,
                severity=ImportIssue.Severity.REJECTED,
                line=line,
                column="",
                reason=f"the row has {count} fields, the header has {len(header)}",
            )
        )
    for column in header:
        if column not in importer.columns:
            ctx.file_warning(column, "unknown column, ignored")

    if frame is not None:
        frame = frame[[c for c in importer.columns if c in frame.columns]].copy()
        for column in importer.optional_columns:
            if column not in frame.columns:
                frame[column] = ""
        for column in frame.columns:
            frame[column] = frame[column].fillna("").astype("str").str.strip()
        ctx.report("validating", 0, total_rows)
        clean = importer.validate(frame, ctx)
        clean = _keep_to_uploaders_ohts(run, importer, frame, clean, ctx)
    else:
        clean = pd.DataFrame()
    rejected = int(ctx.rejected.sum()) + len(bad_shape)
    run.rows_read = total_rows
    run.rows_rejected = rejected

    with transaction.atomic():
        if len(clean):
            ctx.report("loading", 0, len(clean))
            result = importer.load(clean, ctx)
        else:
            result = None
        ImportIssue.objects.bulk_create(ctx.issues, batch_size=5000)
        run.warnings_count = sum(
            1 for issue in ctx.issues if issue.severity == ImportIssue.Severity.WARNING
        )
        if result is None:
            run.error = "Every row was rejected; nothing was changed."
            run.rows_unchanged = 0
            status = ImportRun.Status.REFUSED
        else:
            run.rows_created = result.created
            run.rows_updated = result.updated
            run.rows_unchanged = result.unchanged
            run.detail = result.detail
            run.ohts.set(result.oht_ids)
            status = ImportRun.Status.SUCCEEDED
            if settings.REPORTING_BUILD_AFTER_IMPORT:
                transaction.on_commit(lambda: _metrics_after_import(run.pk))
        audit_record(
            actor=run.started_by,
            action=AuditAction.IMPORT,
            obj=run,
            detail={
                "kind": run.kind,
                "trigger": run.trigger,
                "read": run.rows_read,
                "created": run.rows_created,
                "updated": run.rows_updated,
                "rejected": run.rows_rejected,
            },
        )
        _finish(run, status, error=run.error)
    ctx.report("done", total_rows, total_rows)


def _metrics_after_import(run_id: int) -> None:
    """The quarterly figures of the OHTs a successful import covered are rebuilt
    (issue 9), once the import's data is committed."""
    from reporting.tasks import metrics_build_after_import

    metrics_build_after_import.delay(run_id)


def _allowed_oht_ids(run: ImportRun) -> set[int] | None:
    """OHTs an upload may change: the uploader's own, unless a site admin uploads. Files
    from the command line and the inbox come from the operators and may cover any OHT."""
    user = run.started_by
    if run.trigger != ImportRun.Trigger.UPLOAD or user is None or user.is_superuser:
        return None
    return set(ohts_for_user(user, roles=UPLOAD_ROLES).values_list("pk", flat=True))


def _keep_to_uploaders_ohts(run, importer, frame, clean, ctx) -> pd.DataFrame:
    allowed = _allowed_oht_ids(run)
    if allowed is None or clean.empty:
        return clean
    if importer.site_admin_only:
        raise ExtractRefused(f"Only a site admin may import the {importer.label} file.")
    outside = ~clean["oht_id"].isin(allowed)
    if outside.any():
        mask = np.zeros(len(frame), dtype=bool)
        mask[frame.index.get_indexer(clean.index[outside])] = True
        ctx.reject(mask, "oht_code", "not one of your OHTs; only a site admin imports those rows")
    return clean[~outside]


def decode_extract(raw: bytes) -> str:
    """UTF-8 with or without BOM; anything else is refused with a message that says what
    the file looks like and how to fix it."""
    if not raw.strip():
        raise ExtractRefused("The file is empty.")
    # Signatures first: a workbook or an archive holds many NUL bytes too.
    for signature, what in MAGIC_SIGNATURES.items():
        if raw.startswith(signature):
            raise ExtractRefused(f"This is not a CSV file: it looks like {what}.")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or raw[:200].count(b"\x00") > 10:
        raise ExtractRefused(
            "The file is UTF-16 encoded. Save it as 'CSV UTF-8' and import it again."
        )
    if b"\x00" in raw:
        raise ExtractRefused("This is not a CSV text file (it holds binary data).")
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        try:
            raw.decode("cp1252")
            looks = " It looks like Windows-1252 (ANSI)."
        except UnicodeDecodeError:
            looks = ""
        raise ExtractRefused(
            f"The file is not UTF-8: byte 0x{raw[error.start]:02X} on line {line} is not valid "
            f"UTF-8.{looks} Save it as 'CSV UTF-8' and import it again."
        ) from None


@dataclass
class ParsedCSV:
    """The rows of a file: normalised header, well-shaped rows as a frame of text
    columns, the line each row starts on, and (line, field count) of misshapen rows."""

    header: list[str]
    frame: pd.DataFrame
    lines: np.ndarray
    bad_shape: list[tuple[int, int]]


def parse_csv(text: str) -> ParsedCSV:
    """RFC 4180 parse. Files without blank or misshapen lines take pyarrow's C++ reader;
    anything unusual takes Python's csv module, which reports each bad line."""
    header = _parse_header(text)
    return _parse_with_arrow(text, header) or _parse_with_csv_module(text, header)


def _parse_header(text: str) -> list[str]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as error:
        raise ExtractRefused("The first line is not a CSV header.") from error
    header = [name.strip().lower() for name in header]
    if len(header) < 2 or any(not name for name in header):
        raise ExtractRefused(
            "The first line is not a CSV header of named columns separated by commas."
        )
    seen = set()
    for name in header:
        if name in seen:
            raise ExtractRefused(f"The column '{name}' appears twice in the header.")
        seen.add(name)
    return header


BLANK_LINE = re.compile(r"\n[ \t]*\r?\n")


def _parse_with_arrow(text: str, header: list[str]) -> ParsedCSV | None:
    if "\r" in text.replace("\r\n", "") or BLANK_LINE.search(text):
        return None  # bare CR line ends or blank lines: let the csv module count lines
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None  # e.g. a row with the wrong number of fields
    # A row spans one line plus one for each line break inside its quoted values.
    spans = np.ones(table.num_rows, dtype=np.int64)
    for column in table.columns:
        spans += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
    lines = 2 + np.cumsum(spans) - spans
    frame = table.to_pandas()
    frame.columns = header
    return ParsedCSV(header, frame, lines, [])


def _parse_with_csv_module(text: str, header: list[str]) -> ParsedCSV:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    next(reader)
    rows: list[list[str]] = []
    lines: list[int] = []
    bad_shape: list[tuple[int, int]] = []
    width = len(header)
    previous_end = reader.line_num
    try:
        for row in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != width:
                bad_shape.append((start, len(row)))
                continue
            rows.append(row)
            lines.append(start)
    except csv.Error as error:
        raise ExtractRefused(
            f"The file is not valid CSV near line {reader.line_num}: {error}."
        ) from None
    frame = pd.DataFrame(rows, columns=header, dtype="str")
    return ParsedCSV(header, frame, np.asarray(lines, dtype=np.int64), bad_shape)


def detect_kind(header: list[str], *, forced: str = "") -> ExtractImporter:
    """The kind whose required columns the header holds (or the forced kind)."""
    known = importers()
    columns = set(header)
    if forced:
        if forced not in known:
            raise ExtractRefused(
                f"Unknown kind '{forced}'. Known kinds: {', '.join(sorted(known))}."
            )
        candidates = [known[forced]]
    else:
        candidates = [imp for imp in known.values() if set(imp.required_columns) <= columns]
        if not candidates:
            closest = max(known.values(), key=lambda imp: len(set(imp.required_columns) & columns))
            candidates = [closest]
    importer = max(candidates, key=lambda imp: len(imp.required_columns))
    missing = [c for c in importer.required_columns if c not in columns]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        if forced:
            message = f"Missing required column{plural}: {', '.join(missing)}."
        else:
            message = (
                f"The header matches no kind of extract; the closest, '{importer.kind}', "
                f"is missing the required column{plural}: {', '.join(missing)}."
            )
        raise ExtractRefused(message)
    return importer


def _date_from_file_name(importer: ExtractImporter, file_name: str) -> date | None:
    match = importer.file_date_pattern.search(file_name)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d").date()  # noqa: DTZ007 - a date
    except ValueError:
        return None
