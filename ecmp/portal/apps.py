from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ecmp.portal"
    label = "portal"
