from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and benchmark data (`seed_demo`, `seed_bench`): at the top layer, as it
    writes through every app's services and models."""

    name = "ecmp.demo"
    label = "demo"
