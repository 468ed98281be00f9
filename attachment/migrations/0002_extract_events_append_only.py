"""Extract events are the audit record of imports: append-only in the database."""

from django.db import migrations

CREATE_TRIGGER = """
CREATE OR REPLACE FUNCTION attachment_extractevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'extract events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER attachment_extractevent_append_only
    BEFORE UPDATE OR DELETE ON attachment_patientextractevent
    FOR EACH ROW EXECUTE FUNCTION attachment_extractevent_refuse_change();
"""

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS attachment_extractevent_append_only ON attachment_patientextractevent;
DROP FUNCTION IF EXISTS attachment_extractevent_refuse_change();
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


class Migration(migrations.Migration):
    dependencies = [("attachment", "0001_initial")]

    operations = [migrations.RunPython(install_trigger, remove_trigger)]
