"""``manage.py setup_demo``: the embedded demo in one step.

Migrates, writes synthetic extracts, loads them through the real import pipeline,
and gives every role a demo account on the first OHTs. Safe to run again: files
already imported are recognised by checksum and skipped."""

from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clinicians.demo import demo_directory_seed
from interim_supports.demo import demo_supports_seed
from oht_portal.choices import Role
from oht_portal.imports.pipeline import import_file
from oht_portal.models import OHT, ImportRun, Membership, User
from oht_portal.synthetic import write_extracts

DEMO_PASSWORD = "demo-portal-2025"  # noqa: S105 - synthetic demo accounts only
DEMO_DOMAIN = "demo.example.org"
IMPORT_ORDER = ["oht_registry", "clinician_contacts", "hcc_waitlist", "hcc_fsa_summary"]


class Command(BaseCommand):
    help = "Set up the demo: migrate, load synthetic extracts, create one user per role."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--extract-date", type=date.fromisoformat, default=date(2025, 9, 30))

    def handle(self, *args, patients: int, seed: int, extract_date: date, **options):
        if not settings.DEBUG:
            raise CommandError(
                "setup_demo is for the embedded laptop default (DEBUG); it creates accounts "
                "with a published password."
            )
        call_command("migrate", interactive=False, verbosity=0)
        out_dir = Path(settings.VAR_DIR) / "demo_extracts"
        paths = write_extracts(out_dir, patients=patients, seed=seed, extract_date=extract_date)
        for kind in IMPORT_ORDER:
            run = import_file(paths[kind], trigger=ImportRun.Trigger.DEMO, kind=kind)
            self.stdout.write(
                f"  {kind:<20} {run.get_status_display():<18} read {run.rows_read:>6}, "
                f"created {run.rows_created:>6}, rejected {run.rows_rejected}"
            )
            if run.status in {ImportRun.Status.FAILED, ImportRun.Status.REFUSED}:
                raise CommandError(f"{kind}: {run.error}")
        seeded = demo_directory_seed(seed=seed)
        self.stdout.write(f"  {'directory':<20} {seeded} practice locations given attributes")
        supports = demo_supports_seed(seed=seed)
        self.stdout.write(f"  {'interim supports':<20} {supports} created")
        accounts = self._demo_accounts()
        self.stdout.write(self.style.SUCCESS("\nThe demo portal is ready: http://127.0.0.1:8000/"))
        self.stdout.write(f"Sign in with any of these (password: {DEMO_PASSWORD}):")
        for email, what in accounts:
            self.stdout.write(f"  {email:<34} {what}")
        if not settings.MFA_REQUIRED:
            self.stdout.write(
                "Two-step verification is relaxed for this demo (DJANGO_MFA_REQUIRED=false)."
            )

    @transaction.atomic
    def _demo_accounts(self) -> list[tuple[str, str]]:
        ohts = list(OHT.objects.order_by("code")[:2])
        if not ohts:
            raise CommandError("No OHT was loaded; the registry import did not work.")
        first, second = ohts[0], ohts[-1]
        plan = [
            ("admin", "Site Admin", None, None, "site admin (every OHT, Django admin)"),
            ("staff", "Sam Staff", first, Role.OHT_STAFF, f"OHT staff of {first.code}"),
            ("lead", "Lee Lead", first, Role.PCN_LEAD, f"PCN clinical lead of {first.code}"),
            (
                "connector",
                "Camille Connecteur",
                first,
                Role.CARE_CONNECTOR,
                f"care connector of {first.code} and {second.code}",
            ),
            ("privacy", "Pat Privacy", first, Role.PRIVACY_LEAD, f"privacy lead of {first.code}"),
            (
                "ohtadmin",
                "Alex Administrator",
                first,
                Role.OHT_ADMIN,
                f"OHT administrator of {first.code} (connectors' API tokens)",
            ),
            ("outsider", "Olive Outsider", second, Role.OHT_STAFF, f"OHT staff of {second.code}"),
        ]
        accounts = []
        for local, name, oht, role, what in plan:
            email = f"{local}@{DEMO_DOMAIN}"
            user = User.objects.filter(email=email).first()
            if user is None:
                superuser = role is None
                user = User.objects.create_user(
                    email=email,
                    password=DEMO_PASSWORD,
                    full_name=name,
                    is_staff=superuser,
                    is_superuser=superuser,
                )
            if oht is not None:
                Membership.objects.get_or_create(user=user, oht=oht, role=role)
            if role == Role.CARE_CONNECTOR:
                Membership.objects.get_or_create(user=user, oht=second, role=role)
            accounts.append((email, what))
        staff = User.objects.get(email=f"staff@{DEMO_DOMAIN}")
        OHT.objects.filter(pk=first.pk, primary_contact__isnull=True).update(
            primary_contact=staff,
            custodian_name=f"{first.name_en} (lead organisation)",
        )
        return accounts
