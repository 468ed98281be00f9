"""python manage.py export_fhir_directory --oht CODE [--output FILE]

The same FHIR R4 Bundle as GET /api/v1/fhir/?oht=CODE, for a site admin to hand to
another system (no user scoping: whoever runs manage.py runs the site)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clinicians.fhir import directory_bundle
from oht_portal.models import OHT


class Command(BaseCommand):
    help = "Write an OHT's clinician directory as a FHIR R4 Bundle (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--oht", required=True, help="the OHT's code, e.g. OHT101")
        parser.add_argument("--output", type=Path, help="file to write; default: standard output")

    def handle(self, *args, oht: str, output: Path | None, **options):
        ohts = OHT.objects.filter(code=oht)
        if not ohts.exists():
            raise CommandError(f"No OHT with code {oht}")
        bundle = directory_bundle(ohts=ohts)
        text = json.dumps(bundle, ensure_ascii=False, indent=2)
        if output is None:
            self.stdout.write(text)
            return
        output.write_text(text + "\n", encoding="utf-8")
        self.stdout.write(f"{output}: {len(bundle.get('entry', []))} resources")
