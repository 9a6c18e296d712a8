# A migration of its own: PostgreSQL refuses to update the rows in the transaction that added
# the column and its foreign key ("pending trigger events").

from django.db import migrations
from django.db.models import F, OuterRef, Subquery


def authors_from_the_audit_trail(apps, schema_editor):
    """The author of a touchpoint logged before this field existed: the member who created it
    according to the audit trail, else the touchpoint's CSM."""
    Touchpoint = apps.get_model("touchpoints", "Touchpoint")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    creator = AuditEvent.objects.filter(
        entity="touchpoint", entity_id=OuterRef("pk"), action="create", actor__isnull=False
    ).order_by("id").values("actor_id")[:1]
    Touchpoint.objects.update(created_by=Subquery(creator))
    Touchpoint.objects.filter(created_by__isnull=True).update(created_by=F("csm"))


class Migration(migrations.Migration):

    dependencies = [
        ('touchpoints', '0004_touchpoint_created_by'),
        ('audit', '0003_initial'),
    ]

    operations = [
        migrations.RunPython(authors_from_the_audit_trail, migrations.RunPython.noop),
    ]
