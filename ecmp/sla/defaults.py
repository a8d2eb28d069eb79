"""The default service levels, written by a migration (and again by tests that empty the
database): Monday to Friday 9:00-17:00, targets per priority in business minutes."""

from datetime import time

HOUR = 60
BUSINESS_DAY = 8 * HOUR
TARGETS = {
    4: (1 * HOUR, 4 * HOUR),  # Urgent: 1 h / 4 h
    3: (4 * HOUR, 1 * BUSINESS_DAY),  # High: 4 h / 1 business day
    2: (1 * BUSINESS_DAY, 5 * BUSINESS_DAY),  # Normal: 1 / 5 business days
    1: (2 * BUSINESS_DAY, 10 * BUSINESS_DAY),  # Low: 2 / 10 business days
}


def create_defaults(sla_target_model, business_hours_model) -> None:
    for priority, (first, resolution) in TARGETS.items():
        sla_target_model.objects.get_or_create(
            priority=priority,
            defaults={"first_response_minutes": first, "resolution_minutes": resolution},
        )
    for weekday in range(5):
        business_hours_model.objects.get_or_create(
            weekday=weekday, defaults={"opens": time(9), "closes": time(17)}
        )
