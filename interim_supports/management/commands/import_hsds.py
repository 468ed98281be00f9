"""python manage.py import_hsds PATH --oht CODE

Import an HSDS 3.0 file (JSON, or a zip of CSV files) into an OHT's interim supports:
all of it, or nothing when any line is wrong (each problem is printed with its file,
line and field). Ids that belong to another OHT are refused."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interim_supports.hsds import hsds_import
from oht_portal.models import OHT


class Command(BaseCommand):
    help = "Import an HSDS 3.0 file (JSON or CSV zip) into an OHT's interim supports."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the .json or .zip file")
        parser.add_argument("--oht", required=True, help="the OHT's code, e.g. OHT101")

    def handle(self, *args, path: Path, oht: str, **options):
        team = OHT.objects.filter(code=oht).first()
        if team is None:
            raise CommandError(f"No OHT with code {oht}")
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        result = hsds_import(oht=team, data=path.read_bytes())
        if not result.ok:
            for issue in result.issues:
                self.stderr.write(str(issue))
            raise CommandError(f"{path}: nothing imported ({len(result.issues)} problems)")
        counts = result.counts
        self.stdout.write(
            f"{path}: organizations {_summary(counts['organizations'])}; "
            f"services {_summary(counts['services'])}; "
            f"locations {_summary(counts['locations'])}; schedules {counts['schedules']}"
        )


def _summary(tally: dict) -> str:
    return ", ".join(f"{count} {name}" for name, count in tally.items())
