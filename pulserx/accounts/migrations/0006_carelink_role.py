from django.db import migrations, models


def keep_existing_links_seeing(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Links made before roles existed could only watch: they stay "sees"."""
    apps.get_model("accounts", "CareLink").objects.update(role="sees")


class Migration(migrations.Migration):

    dependencies = [("accounts", "0005_deletion_and_access_log")]

    operations = [
        migrations.AddField(
            model_name="carelink",
            name="role",
            field=models.CharField(
                choices=[("sees", "Sees — follows the day and the history"),
                         ("gives", "Gives — may also record doses taken or skipped"),
                         ("manages", "Manages — may also change medications, schedules and "
                                     "stock")],
                default="sees", max_length=8),
        ),
        migrations.RunPython(keep_existing_links_seeing, migrations.RunPython.noop),
    ]
