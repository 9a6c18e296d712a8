# The default coverage policy of every segment, seeded once, so that reads never write them.
# The values come from their one home, the analytics core (kizuna.core.coverage.DEFAULT_POLICIES
# and kizuna.core.assignment.DEFAULT_NORMS, through segments.models.default_policy_fields); a
# segment that already has a policy keeps it as edited. Reversing keeps the rows (they may have
# been edited since).

from django.db import migrations

from kizuna.apps.segments.models import default_policy_fields


def seed_default_coverage_policies(apps, schema_editor):
    CoveragePolicy = apps.get_model("segments", "CoveragePolicy")
    policies = CoveragePolicy.objects.using(schema_editor.connection.alias)
    for segment, fields in default_policy_fields().items():
        policies.get_or_create(segment=segment, defaults=fields)


class Migration(migrations.Migration):

    dependencies = [
        ('segments', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(seed_default_coverage_policies, migrations.RunPython.noop),
    ]
