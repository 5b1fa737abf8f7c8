from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "thuocdo.web"
    verbose_name = "Giao diện"
