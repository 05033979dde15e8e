"""Indexes for finding a contact or an organisation by the start of its name, any case.

PostgreSQL answers `lower(name) LIKE 'ada%'` from an index only with a pattern operator class
(under any collation but "C"); SQLite needs none for its own LIKE. So this is PostgreSQL's
alone, and does nothing on SQLite.
"""

from django.db import migrations

INDEXES = {
    "contact_name_prefix": "customers_contact",
    "organization_name_prefix": "customers_organization",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} (lower(name) text_pattern_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_alter_asset_created_at_alter_contact_created_at_and_more")]

    operations = [migrations.RunPython(create, drop)]
