"""Database pieces shared by migrations: append-only tables on PostgreSQL."""

from django.db import migrations

_CREATE = """
CREATE OR REPLACE FUNCTION {table}_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{what} are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change();
"""

_DROP = """
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP FUNCTION IF EXISTS {table}_refuse_change();
"""


def append_only(table: str, what: str) -> migrations.RunPython:
    """A migration operation that makes PostgreSQL refuse UPDATE and DELETE of `table`'s
    rows (TRUNCATE, used by test flushes, stays possible). Other databases rely on the
    models' own refusals."""

    def run(template: str):
        def operation(apps, schema_editor):
            if schema_editor.connection.vendor != "postgresql":
                return
            # A plain cursor: the PL/pgSQL body's % is not a query placeholder.
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(template.format(table=table, what=what))

        return operation

    return migrations.RunPython(run(_CREATE), run(_DROP))
