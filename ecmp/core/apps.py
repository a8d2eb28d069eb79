from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ecmp.core"
    label = "core"
