"""Dose amounts get a unit. Every existing amount counted the product (tablets, ml of a
liquid…), which the default "" keeps meaning: no row changes. A liquid is labelled in mL."""


from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0006_tz_database_seen'),
    ]

    operations = [
        migrations.AddField(
            model_name='medication',
            name='dose_unit',
            field=models.CharField(blank=True, choices=[('', 'Product units (tablets, ml of a liquid…)'), ('ug', 'micrograms'), ('mg', 'mg'), ('g', 'g'), ('mL', 'mL'), ('L', 'L'), ('U', 'units'), ('[iU]', 'international units')], default='', max_length=8),
        ),
        migrations.AddField(
            model_name='medication',
            name='strength_unit',
            field=models.CharField(blank=True, choices=[('', 'Product units (tablets, ml of a liquid…)'), ('ug', 'micrograms'), ('mg', 'mg'), ('g', 'g'), ('mL', 'mL'), ('L', 'L'), ('U', 'units'), ('[iU]', 'international units')], max_length=8),
        ),
        migrations.AddField(
            model_name='medication',
            name='strength_value',
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=12, null=True),
        ),
        migrations.AlterField(
            model_name='medication',
            name='form',
            field=models.CharField(choices=[('tablet', 'Tablet'), ('capsule', 'Capsule'), ('liquid', 'Liquid (mL)'), ('injection', 'Injection'), ('inhaler', 'Inhaler puff'), ('drops', 'Drops'), ('patch', 'Patch'), ('other', 'Other')], default='tablet', max_length=16),
        ),
    ]
