"""The audit trail is append-only in the database itself, and the six regions exist."""

from django.db import migrations

REGIONS = [
    ("Central", "Central", "Centre"),
    ("East", "East", "Est"),
    ("North East", "North East", "Nord-Est"),
    ("North West", "North West", "Nord-Ouest"),
    ("Toronto", "Toronto", "Toronto"),
    ("West", "West", "Ouest"),
]

CREATE_TRIGGER = """
CREATE OR REPLACE FUNCTION oht_portal_auditevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER oht_portal_auditevent_append_only
    BEFORE UPDATE OR DELETE ON oht_portal_auditevent
    FOR EACH ROW EXECUTE FUNCTION oht_portal_auditevent_refuse_change();
"""

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS oht_portal_auditevent_append_only ON oht_portal_auditevent;
DROP FUNCTION IF EXISTS oht_portal_auditevent_refuse_change();
"""


def install_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # A plain cursor: the PL/pgSQL body's % is not a query placeholder.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(CREATE_TRIGGER)


def remove_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP_TRIGGER)


def create_regions(apps, schema_editor):
    Region = apps.get_model("oht_portal", "Region")
    for code, name_en, name_fr in REGIONS:
        Region.objects.update_or_create(code=code, defaults={"name_en": name_en, "name_fr": name_fr})


class Migration(migrations.Migration):
    dependencies = [("oht_portal", "0001_initial")]

    operations = [
        migrations.RunPython(install_trigger, remove_trigger),
        migrations.RunPython(create_regions, migrations.RunPython.noop),
    ]
