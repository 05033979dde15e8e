from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "followthrough.cases"
    label = "cases"
    verbose_name = "Cases"
