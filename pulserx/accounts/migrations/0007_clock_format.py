from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_carelink_role"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="clock_format",
            field=models.CharField(blank=True, choices=[("12h", "12-hour (8:00 PM)"), ("24h", "24-hour (20:00)")], max_length=3),
        ),
        migrations.AddField(
            model_name="user",
            name="language_clock_format",
            field=models.CharField(choices=[("12h", "12-hour (8:00 PM)"), ("24h", "24-hour (20:00)")], default="24h", max_length=3),
        ),
    ]
