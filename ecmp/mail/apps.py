from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "ecmp.mail"
    label = "mail"
