from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "thuocdo.alerts"
    verbose_name = "Cảnh báo"
