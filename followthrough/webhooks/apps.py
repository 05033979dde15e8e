from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "followthrough.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
