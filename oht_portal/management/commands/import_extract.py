"""python manage.py import_extract PATH [--kind KIND] [--extract-date D] [--force]"""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from oht_portal.imports.base import importers
from oht_portal.imports.pipeline import import_file
from oht_portal.models import ImportRun


class Command(BaseCommand):
    help = "Import a provincial extract file (kind recognised from its header)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--kind", choices=sorted(importers()), default="")
        parser.add_argument(
            "--extract-date",
            type=date.fromisoformat,
            help="YYYY-MM-DD; default: the date in the file name, else today",
        )
        parser.add_argument(
            "--force", action="store_true", help="import even an older or already seen file"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, path: Path, kind, extract_date, force, no_progress, **options):
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        bar = None if no_progress else tqdm(total=1, unit="row", desc="reading", leave=False)

        def progress(phase: str, done: int, total: int) -> None:
            if bar is not None:
                bar.set_description(phase)
                bar.total = max(total, 1)
                bar.n = done
                bar.refresh()

        run = import_file(
            path,
            trigger=ImportRun.Trigger.COMMAND,
            kind=kind,
            extract_date=extract_date,
            force=force,
            progress=progress,
        )
        if bar is not None:
            bar.close()
        self.stdout.write(
            f"{run.file_name}: {run.get_status_display()} · kind {run.kind or '?'} · "
            f"extract date {run.extract_date or '-'}\n"
            f"  read {run.rows_read} = created {run.rows_created} + updated {run.rows_updated}"
            f" + unchanged {run.rows_unchanged} + rejected {run.rows_rejected}"
            f" · warnings {run.warnings_count} · import run {run.pk}"
        )
        if run.detail.get("left_list"):
            self.stdout.write(f"  no longer on the HCC list: {run.detail['left_list']}")
        for issue in run.issues.all()[:20]:
            self.stdout.write(
                f"  line {issue.line}: {issue.column} {issue.reason} ({issue.severity})"
            )
        if run.issues.count() > 20:
            self.stdout.write(f"  … {run.issues.count() - 20} more issues in import run {run.pk}")
        if run.status in {ImportRun.Status.REFUSED, ImportRun.Status.FAILED}:
            raise CommandError(run.error)
        if run.status == ImportRun.Status.DUPLICATE:
            self.stdout.write(run.error)
