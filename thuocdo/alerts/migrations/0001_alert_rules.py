from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="AlertRule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[
                    ("ontime_drop", "Tỷ lệ giải quyết đúng hạn giảm so với tuần trước"),
                    ("pending_overdue", "Hồ sơ đang quá hạn vượt ngưỡng"),
                    ("load_spike", "Hồ sơ tiếp nhận trong ngày tăng đột biến"),
                ], max_length=32, verbose_name="loại")),
                ("threshold", models.FloatField(
                    help_text="Đúng hạn giảm: số điểm phần trăm; quá hạn: số hồ sơ; đột biến: số lần so với "
                              "trung vị 30 ngày.", verbose_name="ngưỡng")),
                ("min_volume", models.PositiveIntegerField(
                    default=0, help_text="Đúng hạn giảm: hồ sơ giải quyết mỗi tuần; đột biến: hồ sơ tiếp nhận "
                                         "hôm nay.", verbose_name="số hồ sơ tối thiểu")),
                ("active", models.BooleanField(default=True, verbose_name="đang áp dụng")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="cập nhật lúc")),
            ],
            options={
                "verbose_name": "quy tắc cảnh báo",
                "verbose_name_plural": "quy tắc cảnh báo",
                "ordering": ["kind", "threshold"],
            },
        ),
    ]
