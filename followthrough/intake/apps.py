from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "followthrough.intake"
    label = "intake"
    verbose_name = "Intake"
