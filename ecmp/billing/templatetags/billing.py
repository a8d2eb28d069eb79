from django import template

from ecmp.billing.duration import format_duration

register = template.Library()


@register.filter
def duration(minutes) -> str:
    return format_duration(int(minutes or 0))
