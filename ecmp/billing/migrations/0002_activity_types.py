from django.db import migrations

from ecmp.billing.defaults import create_defaults


def create(apps, schema_editor):
    create_defaults(apps.get_model("billing", "ActivityType"))


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
