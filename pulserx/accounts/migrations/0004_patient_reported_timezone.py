from __future__ import annotations

from django.db import migrations, models

import pulserx.accounts.models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_user_email_verified"),
    ]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="reported_timezone",
            field=models.CharField(blank=True, max_length=64,
                                   help_text="Where the patient's browser last said they are.",
                                   validators=[pulserx.accounts.models.validate_timezone]),
        ),
        migrations.AlterField(
            model_name="patient",
            name="current_timezone",
            field=models.CharField(
                blank=True, max_length=64,
                help_text="Where the patient said they are (the zone a travel choice was made "
                          "for).",
                validators=[pulserx.accounts.models.validate_timezone]),
        ),
    ]
