from django.db import migrations

from ecmp.sla.defaults import create_defaults


def create(apps, schema_editor):
    create_defaults(apps.get_model("sla", "SlaTarget"), apps.get_model("sla", "BusinessHours"))


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
