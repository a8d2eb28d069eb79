"""The default service levels: Monday to Friday 9:00-17:00, targets per priority."""

from datetime import time

from django.db import migrations

HOUR = 60
BUSINESS_DAY = 8 * HOUR
# priority: (first response, resolution) in business minutes
TARGETS = {
    4: (1 * HOUR, 4 * HOUR),  # Urgent: 1 h / 4 h
    3: (4 * HOUR, 1 * BUSINESS_DAY),  # High: 4 h / 1 business day
    2: (1 * BUSINESS_DAY, 5 * BUSINESS_DAY),  # Normal: 1 / 5 business days
    1: (2 * BUSINESS_DAY, 10 * BUSINESS_DAY),  # Low: 2 / 10 business days
}


def create_defaults(apps, schema_editor):
    SlaTarget = apps.get_model("sla", "SlaTarget")
    BusinessHours = apps.get_model("sla", "BusinessHours")
    for priority, (first, resolution) in TARGETS.items():
        SlaTarget.objects.get_or_create(
            priority=priority,
            defaults={"first_response_minutes": first, "resolution_minutes": resolution},
        )
    for weekday in range(5):
        BusinessHours.objects.get_or_create(
            weekday=weekday, defaults={"opens": time(9), "closes": time(17)}
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
