from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "followthrough.customers"
    label = "customers"
    verbose_name = "Customers"
