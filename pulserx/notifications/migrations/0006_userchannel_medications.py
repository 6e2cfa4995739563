from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0005_user_channels'),
        ('reminders', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='userchannel',
            name='medications',
            field=models.ManyToManyField(blank=True, related_name='+', to='reminders.medication'),
        ),
    ]
