"""Extract events are the audit record of imports: append-only in the database."""

from django.db import migrations

from oht_portal.db import append_only


class Migration(migrations.Migration):
    dependencies = [("attachment", "0001_initial")]

    operations = [append_only("attachment_patientextractevent", "extract events")]
