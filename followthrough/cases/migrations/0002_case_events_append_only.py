"""Case events are append-only, enforced by the database as well as by the model.

UPDATE is refused on both databases. DELETE is refused on PostgreSQL; on SQLite the test
runner's flush deletes rows, so there the model and queryset guards stand alone.
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER case_event_no_update BEFORE UPDATE ON cases_caseevent
       BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS case_event_no_update"]

POSTGRES = [
    """CREATE FUNCTION case_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'case events are append-only'; END $$""",
    """CREATE TRIGGER case_event_no_change BEFORE UPDATE OR DELETE ON cases_caseevent
       FOR EACH ROW EXECUTE FUNCTION case_event_append_only()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS case_event_no_change ON cases_caseevent",
    "DROP FUNCTION IF EXISTS case_event_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
