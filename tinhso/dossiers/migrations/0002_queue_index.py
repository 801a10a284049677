"""The work queue's index: an agency's dossiers by status, then by deadline.

It replaces ``dossier_agency_status_idx`` (current_agency, status), of which it is a prefix
extension; added before the old one is dropped so no query is ever left without one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                fields=["current_agency", "status", "due_at"], name="dossier_queue_idx"
            ),
        ),
        migrations.RemoveIndex(
            model_name="dossier",
            name="dossier_agency_status_idx",
        ),
    ]
