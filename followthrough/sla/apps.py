from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "followthrough.sla"
    label = "sla"
    verbose_name = "Service levels"
