# The company settings row (pk=1), seeded once with the model's defaults, so that reads never
# write it (tenant.selectors.tenant_settings_get only reads). A row already there is kept as
# edited. Reversing keeps the row (it may have been edited since).

from django.db import migrations


def seed_default_settings(apps, schema_editor):
    TenantSettings = apps.get_model("tenant", "TenantSettings")
    TenantSettings.objects.using(schema_editor.connection.alias).get_or_create(pk=1)


class Migration(migrations.Migration):

    dependencies = [
        ("tenant", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed_default_settings, migrations.RunPython.noop),
    ]
