from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "ecmp.desk"
    label = "desk"
