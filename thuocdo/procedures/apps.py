from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "thuocdo.procedures"
    verbose_name = "Thủ tục hành chính"

    def ready(self) -> None:
        # The catalogue metrics are computed at read time (ADR 0011): registered here so the metrics app
        # never imports this one.
        from thuocdo.metrics import providers
        from thuocdo.procedures.metrics import AUTHORITY_CODES, CERTIFIED_CODES, PUBLICATION_CODES, catalogue_values

        # The province's published catalogue is the same for all its communes: not a commune's activity.
        providers.register("catalogue.", catalogue_values,
                           standing=(*PUBLICATION_CODES, *AUTHORITY_CODES, *CERTIFIED_CODES))
