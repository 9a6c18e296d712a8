# The default churn-reason taxonomy, seeded once, so that reads never write it. The values come
# from their one home, the analytics core (kizuna.core.churn_reasons.DEFAULT_CATEGORIES); a
# category that exists already keeps its names as edited. Reversing keeps the rows (reasons may
# name them).

from django.db import migrations

from kizuna.core.churn_reasons import DEFAULT_CATEGORIES


def seed_default_categories(apps, schema_editor):
    Category = apps.get_model("churnreasons", "ChurnReasonCategory")
    categories = Category.objects.using(schema_editor.connection.alias)
    for order, (key, name_ja, name_en) in enumerate(DEFAULT_CATEGORIES, start=1):
        categories.get_or_create(
            key=key, defaults={"name_ja": name_ja, "name_en": name_en, "order": order * 10}
        )


class Migration(migrations.Migration):

    dependencies = [
        ("churnreasons", "0001_churn_reasons"),
    ]

    operations = [
        migrations.RunPython(seed_default_categories, migrations.RunPython.noop),
    ]
