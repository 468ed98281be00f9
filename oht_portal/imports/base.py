"""What every extract importer plugs into: the importer contract, the per-run context
that collects rejections and warnings, and the registry of kinds.

Each app declares its kinds in its own `importers.py` with `@register`; the pipeline
(`oht_portal.imports.pipeline`) does the file handling that is the same for all."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

import numpy as np
import pandas as pd

from oht_portal.models import ImportIssue, ImportRun

ProgressCallback = Callable[[str, int, int], None]


class ExtractRefused(Exception):
    """The whole file is refused (encoding, header, size...); nothing is changed."""


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    oht_ids: set[int] = field(default_factory=set)
    detail: dict = field(default_factory=dict)


@dataclass
class ImportContext:
    """The state of one run while its rows are checked: which rows are rejected so far,
    and the issues to record. Masks are numpy arrays aligned with the frame's rows."""

    run: ImportRun
    extract_date: date
    today: date
    force: bool
    lines: np.ndarray
    user: object | None = None
    progress: ProgressCallback | None = None
    rejected: np.ndarray = field(init=False)
    issues: list[ImportIssue] = field(default_factory=list, init=False)
    # The keys of every row of the file, rejected rows included: a complete extract
    # reconciles against these, since a rejected row's patient is not missing from it.
    keys_in_file: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.rejected = np.zeros(len(self.lines), dtype=bool)

    def _record(self, severity: str, mask, column: str, reason) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        lines = self.lines[mask]
        if isinstance(reason, pd.Series):
            reasons = reason.to_numpy()[mask]
        else:
            reasons = [reason] * len(lines)
        self.issues.extend(
            ImportIssue(
                run=self.run, severity=severity, line=int(line), column=column, reason=str(text)
            )
            for line, text in zip(lines, reasons, strict=True)
        )

    def reject(self, mask, column: str, reason) -> None:
        """Reject the rows in `mask` (not already rejected) for `reason`."""
        mask = np.asarray(mask, dtype=bool) & ~self.rejected
        self._record(ImportIssue.Severity.REJECTED, mask, column, reason)
        self.rejected |= mask

    def warn(self, mask, column: str, reason) -> None:
        """Keep the rows but note that `column` was left blank for `reason`."""
        mask = np.asarray(mask, dtype=bool) & ~self.rejected
        self._record(ImportIssue.Severity.WARNING, mask, column, reason)

    def file_warning(self, column: str, reason: str) -> None:
        self.issues.append(
            ImportIssue(
                run=self.run,
                severity=ImportIssue.Severity.WARNING,
                line=1,
                column=column[:60],  # the field's max_length: a header name may be longer
                reason=reason,
            )
        )

    def report(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(phase, done, total)

    @property
    def limit_date(self) -> date:
        """No date in a file may be after the extract date or today."""
        return min(self.extract_date, self.today)


class ExtractImporter:
    """One kind of provincial file. Subclasses name their columns and implement
    `validate` (vectorised checks, returning the clean typed rows) and `load`."""

    kind: ClassVar[str]
    label: ClassVar[str]
    required_columns: ClassVar[tuple[str, ...]]
    optional_columns: ClassVar[tuple[str, ...]] = ()
    # Kinds that change the OHTs themselves are never uploaded by one OHT's staff.
    site_admin_only: ClassVar[bool] = False
    # The extract date in a file name such as hcc_waitlist_OHT101_20250930.csv.
    file_date_pattern: ClassVar[re.Pattern] = re.compile(r"_([0-9]{8})\.csv$", re.IGNORECASE)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required_columns + self.optional_columns

    def validate(self, frame: pd.DataFrame, ctx: ImportContext) -> pd.DataFrame:
        raise NotImplementedError

    def load(self, clean: pd.DataFrame, ctx: ImportContext) -> LoadResult:
        raise NotImplementedError

    # Shared checks ------------------------------------------------------------------

    @staticmethod
    def reject_blank(frame: pd.DataFrame, ctx: ImportContext, columns) -> None:
        for column in columns:
            ctx.reject(frame[column] == "", column, "required value is missing")

    @staticmethod
    def reject_too_long(frame: pd.DataFrame, ctx: ImportContext, column: str, limit: int) -> None:
        ctx.reject(frame[column].str.len() > limit, column, f"longer than {limit} characters")


_REGISTRY: dict[str, ExtractImporter] = {}


def register(importer_class: type[ExtractImporter]) -> type[ExtractImporter]:
    """Class decorator: make a kind known to the pipeline."""
    _REGISTRY[importer_class.kind] = importer_class()
    return importer_class


def importers() -> dict[str, ExtractImporter]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("importers")
    return dict(_REGISTRY)
