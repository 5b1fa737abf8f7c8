from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "thuocdo.metrics"
    verbose_name = "Kho số liệu chỉ tiêu"
