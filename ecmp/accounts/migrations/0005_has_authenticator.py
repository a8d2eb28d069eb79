from django.db import migrations, models


def mark_enrolled(apps, schema_editor):
    """Who already has a confirmed authenticator (enrolled before the flag existed)."""
    User = apps.get_model("accounts", "User")
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    enrolled = TOTPDevice.objects.filter(confirmed=True).values("user_id")
    User.objects.filter(pk__in=enrolled).update(has_authenticator=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_changed_event"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="has_authenticator",
            field=models.BooleanField(
                default=False, editable=False, verbose_name="two-factor authentication set up"
            ),
        ),
        migrations.RunPython(mark_enrolled, migrations.RunPython.noop),
    ]
