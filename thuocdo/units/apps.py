from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "thuocdo.units"
    verbose_name = "Đơn vị hành chính"
