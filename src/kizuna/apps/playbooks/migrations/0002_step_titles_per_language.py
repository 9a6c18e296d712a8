"""A step's title in Japanese and in English. The one title a step had so far becomes its
Japanese title (whatever language it was typed in) and the English one starts blank: a title is
read in the reader's language with a fall-back to the other, so every existing step and run
reads exactly as before until an admin adds the other language."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("playbooks", "0001_playbooks"),
    ]

    operations = [
        migrations.RenameField(model_name="playbookstep", old_name="title", new_name="title_ja"),
        migrations.AlterField(
            model_name="playbookstep",
            name="title_ja",
            field=models.CharField(blank=True, max_length=200, verbose_name="title (Japanese)"),
        ),
        migrations.AddField(
            model_name="playbookstep",
            name="title_en",
            field=models.CharField(
                blank=True, default="", max_length=200, verbose_name="title (English)"
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="playbookstep",
            constraint=models.CheckConstraint(
                condition=models.Q(("title_en", ""), ("title_ja", ""), _negated=True),
                name="playbooks_step_has_a_title",
            ),
        ),
        migrations.RenameField(
            model_name="playbookrunstep", old_name="title", new_name="title_ja"
        ),
        migrations.AlterField(
            model_name="playbookrunstep",
            name="title_ja",
            field=models.CharField(blank=True, max_length=200, verbose_name="title (Japanese)"),
        ),
        migrations.AddField(
            model_name="playbookrunstep",
            name="title_en",
            field=models.CharField(
                blank=True, default="", max_length=200, verbose_name="title (English)"
            ),
            preserve_default=False,
        ),
    ]
