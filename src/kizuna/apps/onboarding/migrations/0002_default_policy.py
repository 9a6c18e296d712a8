# The onboarding policy (one row), seeded once with the model's defaults, so that reads never
# write it (onboarding.selectors.onboarding_policy only reads). A policy already there is kept
# as edited. Reversing keeps the row (it may have been edited since).

from django.db import migrations


def seed_default_policy(apps, schema_editor):
    OnboardingPolicy = apps.get_model("onboarding", "OnboardingPolicy")
    policies = OnboardingPolicy.objects.using(schema_editor.connection.alias)
    if not policies.exists():
        policies.create()


class Migration(migrations.Migration):

    dependencies = [
        ("onboarding", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed_default_policy, migrations.RunPython.noop),
    ]
