from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "thuocdo.evaluation"
    verbose_name = "Đánh giá, xếp hạng"
