"""The default kinds of work, written by a migration (and by tests that empty the database)."""

DEFAULTS = [("Support", True), ("On-site", True), ("Project", True), ("Internal", False)]


def create_defaults(activity_type_model) -> None:
    for name, billable in DEFAULTS:
        activity_type_model.objects.get_or_create(
            name=name, defaults={"billable_by_default": billable}
        )
