"""Make the audit log append-only in the database itself: any UPDATE or DELETE on
kernel_auditevent fails, whoever sends it (the ORM, raw SQL, a database console).

``manage.py flush`` still empties the table (PostgreSQL: TRUNCATE, which row triggers do not
see; SQLite: the kernel's ``flush`` command opens the guard, see ``tinhso.kernel.audit``).
A retention purge must be a deliberate act by the database owner: drop or disable the triggers
(PostgreSQL: ``ALTER TABLE kernel_auditevent DISABLE TRIGGER USER``), purge, restore them.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE TRIGGER kernel_auditevent_no_update BEFORE UPDATE ON kernel_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
    """,
    """
    CREATE TRIGGER kernel_auditevent_no_delete BEFORE DELETE ON kernel_auditevent
    WHEN NOT tinhso_audit_flush_allowed()
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS kernel_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS kernel_auditevent_no_delete;",
]

POSTGRESQL_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION kernel_auditevent_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit log is append-only' USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$;
    """,
    """
    CREATE TRIGGER kernel_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON kernel_auditevent
    FOR EACH ROW EXECUTE FUNCTION kernel_auditevent_append_only();
    """,
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS kernel_auditevent_no_update_delete ON kernel_auditevent;",
    "DROP FUNCTION IF EXISTS kernel_auditevent_append_only();",
]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_BACKWARD),
}


def _run(schema_editor, direction: int) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        raise NotImplementedError(f"No append-only triggers for the {vendor} database.")
    for statement in STATEMENTS[vendor][direction]:
        schema_editor.execute(statement)


def forward(apps, schema_editor) -> None:
    _run(schema_editor, 0)


def backward(apps, schema_editor) -> None:
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("kernel", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
