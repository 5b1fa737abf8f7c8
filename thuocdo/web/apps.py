from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "thuocdo.web"
    verbose_name = "Giao diện"

    def ready(self) -> None:
        from thuocdo.evaluation import refresher
        from thuocdo.web.warmup import warm_pages

        refresher.after_warm(warm_pages)
