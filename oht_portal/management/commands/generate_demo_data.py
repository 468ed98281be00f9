"""``manage.py generate_demo_data``: write synthetic provincial extracts to a folder.

Only files are written, never the database: loading them goes through the same
``import_extract`` path as real files, so a demo exercises the real importer.
"""

from argparse import ArgumentParser, ArgumentTypeError
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from oht_portal.synthetic import count_rows, max_ohts, write_extracts


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from exc


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ArgumentTypeError("must be zero or more")
    return number


class Command(BaseCommand):
    help = (
        "Write deterministic synthetic extracts (OHT registry, HCC waitlist, clinician "
        "contacts, FSA summary) following the extract CSV contract. Made-up people only."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--patients", type=_non_negative, default=2000, help="waitlist rows (2000)"
        )
        parser.add_argument("--seed", type=int, default=2025, help="random seed (2025)")
        parser.add_argument(
            "--extract-date",
            type=_iso_date,
            default=date(2025, 9, 30),
            help="extract date, YYYY-MM-DD (2025-09-30)",
        )
        parser.add_argument(
            "--ohts", type=int, default=6, help=f"number of OHTs, 1 to {max_ohts()} (6)"
        )
        parser.add_argument(
            "--out", type=Path, default=None, help="output folder (VAR_DIR/demo_extracts)"
        )

    def handle(self, *args, **options) -> None:
        out_dir = options["out"] or Path(settings.VAR_DIR) / "demo_extracts"
        try:
            paths = write_extracts(
                out_dir,
                patients=options["patients"],
                seed=options["seed"],
                extract_date=options["extract_date"],
                ohts=options["ohts"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for kind, path in paths.items():
            self.stdout.write(f"{kind:<20} {count_rows(path):>8} rows  {path}")
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(paths)} files to {out_dir}"))
