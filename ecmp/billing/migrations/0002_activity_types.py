from django.db import migrations

DEFAULTS = [("Support", True), ("On-site", True), ("Project", True), ("Internal", False)]


def create(apps, schema_editor):
    ActivityType = apps.get_model("billing", "ActivityType")
    for name, billable in DEFAULTS:
        ActivityType.objects.get_or_create(name=name, defaults={"billable_by_default": billable})


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
