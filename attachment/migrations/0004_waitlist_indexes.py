"""Indexes that keep the waitlist page under 300 ms at 250,000 patients on PostgreSQL
(benchmarks/waitlist_page.py, docs/benchmarks.md).

PostgreSQL only, like the append-only triggers: they use features other databases lack
(text_pattern_ops, INCLUDE) or would only slow SQLite's writes, and the model state
does not need to know about them.

1. attachment_patient_priority_idx: the default sort. Its first column is the exact
   expression of attachment.priority.priority_sort_key() with the weights of
   ATTACHMENT_PRIORITY version 2025.1 and HCC_COHORT_DATE 2025-01-01. PostgreSQL uses
   it only while the query's expression is the same, so when a weight or the cohort
   date changes, add a migration that drops this index and creates it again from the
   new expression; test_it_sorts_by_priority_from_the_index fails until then.
2. attachment_patient_oht_fsa_cover_idx: the counts at the top of the page and the FSA
   view, answered from the index alone (index-only scans) rather than the table.
3. attachment_patient_family_upper_idx, attachment_patient_given_upper_idx: the name
   search (UPPER(name) LIKE 'ABC%', Django's istartswith) whatever the collation.
"""

from django.db import migrations

INDEXES = {
    "attachment_patient_priority_idx": (
        'CREATE INDEX "attachment_patient_priority_idx" ON "attachment_patient" '
        "((((CASE WHEN \"registration_date\" <= '2025-01-01'::date THEN 1000.0 ELSE 0.0 END"
        ' + CASE WHEN "complex_vulnerable" THEN 100.0 ELSE 0.0 END)'
        ' - ((((EXTRACT(YEAR FROM "registration_date") * 12)'
        ' + EXTRACT(MONTH FROM "registration_date"))'
        ' + ((EXTRACT(DAY FROM "registration_date"))::double precision / 31.0)) * 1.0)))'
        ' DESC, "registration_date", "hcc_id")'
    ),
    "attachment_patient_oht_fsa_cover_idx": (
        'CREATE INDEX "attachment_patient_oht_fsa_cover_idx" ON "attachment_patient" '
        '("oht_id", "fsa") INCLUDE ("registration_date", "complex_vulnerable", "status", '
        '"on_hcc_list", "verification_state", "outreach_state", "next_step")'
    ),
    "attachment_patient_family_upper_idx": (
        'CREATE INDEX "attachment_patient_family_upper_idx" ON "attachment_patient" '
        '((UPPER("family_name"::text)) text_pattern_ops)'
    ),
    "attachment_patient_given_upper_idx": (
        'CREATE INDEX "attachment_patient_given_upper_idx" ON "attachment_patient" '
        '((UPPER("given_name"::text)) text_pattern_ops)'
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in INDEXES.values():
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("attachment", "0003_waitlist_workspace")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
