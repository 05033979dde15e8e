from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "followthrough.accounts"
    label = "accounts"
    verbose_name = "People and teams"
