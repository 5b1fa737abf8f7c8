from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "thuocdo.accounts"
    verbose_name = "Tài khoản và phân quyền"

    def ready(self):
        # Connects the audit of locked-out logins to django-axes' signal.
        from thuocdo.accounts import lockout  # noqa: F401
