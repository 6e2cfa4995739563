from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("reminders", "0009_dose_correction")]

    operations = [
        migrations.AddField(
            model_name="dose",
            name="recorded_via",
            field=models.CharField(
                blank=True, max_length=12,
                choices=[("page", "on the page"), ("api", "through the API"),
                         ("email", "with an email link"), ("push", "from a notification"),
                         ("channel", "from a message button"), ("dispatcher", "by PulseRx")]),
        ),
    ]
