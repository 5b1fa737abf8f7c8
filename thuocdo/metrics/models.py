"""The metric store: per unit, per local day and per month, rolled up to province and nation."""

from django.db import models

# Whole-period values (floats) stay within ±10^15: finite, and whole numbers that far are exact (< 2^53).
PERIOD_VALUE_LIMIT = 10.0**15


class Grain(models.TextChoices):
    DAY = "d", "Ngày"
    MONTH = "m", "Tháng"


class MetricValue(models.Model):
    """The value of one metric for one unit over one day or one calendar month (số liệu chỉ tiêu).

    Rows exist for the commune (or agency) the facts belong to and, rolled up in the same
    transaction, for its province and for the nation (`VN`). `procedure_code` is "" for all
    procedures together; per-procedure rows are kept at month grain. Day rows and month rows
    are both maintained so that any period is a handful of rows per unit. `value` is a whole
    number of the metric's smallest unit (`definitions.from_stored` turns it into the figure).
    """

    province_code = models.CharField("mã tỉnh", max_length=2)
    unit_code = models.CharField("mã đơn vị", max_length=16)
    metric = models.CharField("chỉ tiêu", max_length=80)
    procedure_code = models.CharField("mã thủ tục", max_length=40, default="", blank=True)
    grain = models.CharField("độ chi tiết", max_length=1, choices=Grain.choices)
    start = models.DateField("từ ngày")
    # An integer, not a float: sums stay exact and a row cannot drift (issue 9; ADR 0007).
    value = models.BigIntegerField("giá trị (đơn vị nhỏ nhất)", default=0)

    class Meta:
        verbose_name = "số liệu chỉ tiêu"
        verbose_name_plural = "số liệu chỉ tiêu"
        constraints = [
            models.UniqueConstraint(
                fields=["province_code", "unit_code", "metric", "procedure_code", "grain", "start"],
                name="metric_value_key",
            )
        ]
        indexes = [models.Index(fields=["unit_code", "grain", "start"], name="metric_unit_grain_start")]

    def __str__(self) -> str:
        return f"{self.unit_code} {self.metric} {self.grain}:{self.start} = {self.value:g}"


class MetricInput(models.Model):
    """One figure given by a source other than the dossier stream (periodic report, portal import).

    Giá trị chỉ tiêu từ nguồn khác. The latest value for (source, unit, metric, procedure, day)
    wins; a replay changes nothing, a correction moves the store by the difference. `value` is
    a whole number of the metric's smallest unit, within its bounds (`metrics.definitions`).
    """

    province_code = models.CharField("mã tỉnh", max_length=2)
    unit_code = models.CharField("mã đơn vị", max_length=16)
    metric = models.CharField("chỉ tiêu", max_length=80)
    procedure_code = models.CharField("mã thủ tục", max_length=40, default="", blank=True)
    day = models.DateField("ngày")
    value = models.BigIntegerField("giá trị (đơn vị nhỏ nhất)")
    source = models.CharField("nguồn", max_length=100)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "giá trị chỉ tiêu từ nguồn khác"
        verbose_name_plural = "giá trị chỉ tiêu từ nguồn khác"
        constraints = [
            models.UniqueConstraint(
                fields=["province_code", "source", "unit_code", "metric", "procedure_code", "day"],
                name="metric_input_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.unit_code} {self.metric} {self.day} = {self.value:g}"


class FillState(models.Model):
    """How far a derived table has been (re)built from raw facts, so a rebuild resumes."""

    name = models.CharField(max_length=100, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    done = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "trạng thái dựng lại"
        verbose_name_plural = "trạng thái dựng lại"

    def __str__(self) -> str:
        return f"{self.name}: {self.last_id}{' (xong)' if self.done else ''}"


class PeriodValue(models.Model):
    """A figure a source gives for one whole period as such (giá trị cả kỳ): a month, quarter or year.

    The national portal publishes its evaluation counts per month, quarter and year, not per day;
    a score for exactly that period uses them. Keyed by source so a re-import replaces its own rows.
    Values are floats (published scores have decimals), finite and within ±10^15 (a database check).
    """

    province_code = models.CharField("mã tỉnh", max_length=2)
    unit_code = models.CharField("mã đơn vị", max_length=16)
    metric = models.CharField("chỉ tiêu", max_length=120)
    procedure_code = models.CharField("mã thủ tục", max_length=40, default="", blank=True)
    start = models.DateField("từ ngày")
    end = models.DateField("đến ngày")
    value = models.FloatField("giá trị")
    source = models.CharField("nguồn", max_length=100)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "giá trị cả kỳ"
        verbose_name_plural = "giá trị cả kỳ"
        constraints = [
            models.UniqueConstraint(
                fields=["province_code", "source", "unit_code", "metric", "procedure_code", "start", "end"],
                name="period_value_key",
            ),
            # No Infinity, no NaN (PostgreSQL orders NaN above every number; SQLite stores it as NULL).
            models.CheckConstraint(
                condition=models.Q(value__gte=-PERIOD_VALUE_LIMIT, value__lte=PERIOD_VALUE_LIMIT),
                name="period_value_finite",
            ),
        ]
        indexes = [models.Index(fields=["unit_code", "start", "end"], name="period_value_unit_period")]

    def __str__(self) -> str:
        return f"{self.source}: {self.unit_code} {self.metric} {self.start}..{self.end} = {self.value:g}"


class Change(models.Model):
    """A unit whose figures moved and whose maintained scores are not yet recomputed (ADR 0010).

    Written in the same transaction as the figures it announces, so a crash between the write and
    the rescoring loses nothing: the score refresher (`evaluation.score_rows`) reads these marks,
    recomputes the units' score rows and deletes the marks it served — each by its token, so a mark
    set again while the refresher worked stays for the next round. At most one row per unit.
    """

    unit_code = models.CharField("mã đơn vị", max_length=16, primary_key=True)
    token = models.BigIntegerField("dấu lần thay đổi")
    changed_at = models.DateTimeField("thay đổi lúc")

    class Meta:
        verbose_name = "đơn vị chờ tính lại điểm"
        verbose_name_plural = "đơn vị chờ tính lại điểm"

    def __str__(self) -> str:
        return f"{self.unit_code} @ {self.changed_at:%Y-%m-%d %H:%M:%S}"
