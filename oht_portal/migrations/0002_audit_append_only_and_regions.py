"""The audit trail is append-only in the database itself, and the six regions exist."""

from django.db import migrations

from oht_portal.db import append_only

REGIONS = [
    ("Central", "Central", "Centre"),
    ("East", "East", "Est"),
    ("North East", "North East", "Nord-Est"),
    ("North West", "North West", "Nord-Ouest"),
    ("Toronto", "Toronto", "Toronto"),
    ("West", "West", "Ouest"),
]

def create_regions(apps, schema_editor):
    Region = apps.get_model("oht_portal", "Region")
    for code, name_en, name_fr in REGIONS:
        Region.objects.update_or_create(code=code, defaults={"name_en": name_en, "name_fr": name_fr})


class Migration(migrations.Migration):
    dependencies = [("oht_portal", "0001_initial")]

    operations = [
        append_only("oht_portal_auditevent", "audit events"),
        migrations.RunPython(create_regions, migrations.RunPython.noop),
    ]
