"""Dossier status events (raw facts) and each dossier's derived state."""

from django.db import models


class DossierEvent(models.Model):
    """One status event of one dossier, as a source system sent it (sự kiện trạng thái hồ sơ).

    Append-only and idempotent: (province, source, event_id) is unique, so a replay is a no-op.
    Everything else about a dossier is derived from the set of its events.
    """

    province_code = models.CharField("mã tỉnh", max_length=2)
    source = models.CharField("hệ thống nguồn", max_length=100)
    event_id = models.CharField("mã sự kiện", max_length=100)
    dossier_code = models.CharField("mã hồ sơ", max_length=100)
    procedure_code = models.CharField("mã thủ tục", max_length=40, blank=True)
    unit_code = models.CharField("mã đơn vị", max_length=16)
    status = models.PositiveSmallIntegerField("trạng thái")
    channel = models.PositiveSmallIntegerField("kênh", null=True, blank=True)
    occurred_at = models.DateTimeField("thời điểm")
    due_at = models.DateTimeField("hạn trả kết quả", null=True, blank=True)
    # The national sync fields this event carried (fee_amount, paid_online, …; issue 11 §2), or null.
    facts = models.JSONField("trường đồng bộ", null=True, blank=True)
    # When it reached us (server time): DOSSIER_SYNC compares it with occurred_at.
    received_at = models.DateTimeField("nhận lúc", auto_now_add=True)

    class Meta:
        verbose_name = "sự kiện hồ sơ"
        verbose_name_plural = "sự kiện hồ sơ"
        constraints = [
            models.UniqueConstraint(fields=["province_code", "source", "event_id"], name="dossier_event_key")
        ]
        indexes = [
            models.Index(fields=["province_code", "unit_code", "dossier_code"], name="dossier_event_dossier")
        ]

    def __str__(self) -> str:
        return f"{self.source}/{self.event_id}: {self.dossier_code} → {self.status}"


class Dossier(models.Model):
    """One dossier's current state, derived from all its events (hồ sơ TTHC).

    `events` keeps the compact list of its events so that a late or out-of-order event
    re-classifies the dossier without re-reading the raw table.
    """

    province_code = models.CharField("mã tỉnh", max_length=2)
    dossier_code = models.CharField("mã hồ sơ", max_length=100)
    unit_code = models.CharField("mã đơn vị", max_length=16)
    procedure_code = models.CharField("mã thủ tục", max_length=40, blank=True)
    channel = models.PositiveSmallIntegerField("kênh", default=1)
    accepted_at = models.DateTimeField("tiếp nhận lúc", null=True, blank=True)
    due_at = models.DateTimeField("hạn trả kết quả", null=True, blank=True)
    extended_due_at = models.DateTimeField("hạn sau khi cộng thời gian bổ sung", null=True, blank=True)
    paused_since = models.DateTimeField("đang chờ bổ sung từ", null=True, blank=True)
    supplements = models.PositiveSmallIntegerField("số lần yêu cầu bổ sung", default=0)
    ended_at = models.DateTimeField("kết thúc xử lý lúc", null=True, blank=True)
    end_status = models.PositiveSmallIntegerField("trạng thái kết thúc", null=True, blank=True)
    outcome = models.CharField("kết quả", max_length=16)
    # Local (Asia/Ho_Chi_Minh) days the dossier counts on: received, and resolved.
    accepted_day = models.DateField("ngày tiếp nhận", null=True, blank=True)
    ended_day = models.DateField("ngày kết thúc xử lý", null=True, blank=True)
    # The national sync fields its events carried (canonical JSON text; an absent field is unknown), and
    # whether every event reached us within DOSSIER_SYNC_DEADLINE_HOURS (null: an arrival is unknown).
    # A yes/no, not the lag itself: it changes at most once, so most events still leave the row's
    # indexed state alone (pipeline's events-only rewrite).
    facts = models.TextField("trường đồng bộ", default="", db_default="", blank=True)
    synced = models.BooleanField("đồng bộ đúng hạn", null=True, blank=True)
    events = models.JSONField("sự kiện", default=list)

    class Meta:
        verbose_name = "hồ sơ"
        verbose_name_plural = "hồ sơ"
        # A dossier belongs to the unit its events name: a source never touches another unit's dossier.
        constraints = [
            models.UniqueConstraint(fields=["province_code", "unit_code", "dossier_code"], name="dossier_key")
        ]
        indexes = [
            # "Pending overdue now" is a range count on (unit, open, due), not a scan.
            models.Index(fields=["unit_code", "outcome", "extended_due_at"], name="dossier_unit_outcome_due"),
            models.Index(fields=["province_code", "outcome", "extended_due_at"], name="dossier_prov_outcome_due"),
            models.Index(fields=["unit_code", "accepted_day"], name="dossier_unit_accepted_day"),
            models.Index(fields=["unit_code", "ended_day"], name="dossier_unit_ended_day"),
        ]

    def __str__(self) -> str:
        return self.dossier_code
