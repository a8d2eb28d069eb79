from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "ecmp.alerts"
    label = "alerts"
    verbose_name = _("Monitoring alerts")
