"""python manage.py export_hsds --oht CODE --format json|csv --output PATH

The OHT's interim supports as HSDS 3.0: a JSON list of nested services, or the tabular
form as a zip of CSV files (see interim_supports.hsds). For a site admin handing the
directory to another system: whoever runs manage.py runs the site, so no user scoping."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interim_supports.hsds import FORMATS, JSON, hsds_export
from oht_portal.models import OHT


class Command(BaseCommand):
    help = "Write an OHT's interim supports as HSDS 3.0 (JSON, or a zip of CSV files)."

    def add_arguments(self, parser):
        parser.add_argument("--oht", required=True, help="the OHT's code, e.g. OHT101")
        parser.add_argument("--format", choices=FORMATS, default=JSON, dest="file_format")
        parser.add_argument("--output", type=Path, required=True, help="file to write")

    def handle(self, *args, oht: str, file_format: str, output: Path, **options):
        team = OHT.objects.filter(code=oht).first()
        if team is None:
            raise CommandError(f"No OHT with code {oht}")
        exported = hsds_export(oht=team, file_format=file_format)
        output.write_bytes(exported.content)
        self.stdout.write(f"{output}: {exported.services} services")
