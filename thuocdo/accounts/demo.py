"""The demo accounts: one per role, in units that the press reports talk about."""

from django.db import transaction

from thuocdo.accounts.actions import ensure_user
from thuocdo.accounts.choices import Role
from thuocdo.accounts.permissions import Actor
from thuocdo.units.models import Unit

# Phú Thọ (25) is the province whose portal figures ship in reference/; Xã Lâm Thao (08494) is one
# of its communes. The working group follows Phú Thọ. Passwords are for a local demo only and are
# fixed so that a second run prints the same logins.
DEMO_ACCOUNTS = [
    {"role": Role.CENTRAL_ADMIN, "username": "admin", "unit_code": "VN", "full_name": "Quản trị trung ương"},
    {"role": Role.CENTRAL_VIEWER, "username": "trunguong", "unit_code": "VN", "full_name": "Văn phòng Chính phủ"},
    {"role": Role.PROVINCE_OFFICER, "username": "phutho", "unit_code": "25", "full_name": "Sở Nội vụ Phú Thọ"},
    {"role": Role.COMMUNE_OFFICER, "username": "lamthao", "unit_code": "08494", "full_name": "UBND xã Lâm Thao"},
    {"role": Role.INSPECTOR, "username": "tocongtac", "unit_code": "VN", "full_name": "Tổ công tác số 1",
     "assigned": ["25"]},
]


def demo_password(username: str) -> str:
    return f"{username}-demo-2025"


def create_demo_accounts(actor: Actor | None = None) -> list[dict[str, str]]:
    """Create (or leave as they are) one account per role; returns their logins."""
    actor = actor or Actor.system()
    logins = []
    with transaction.atomic():
        for spec in DEMO_ACCOUNTS:
            unit = Unit.objects.get(code=spec["unit_code"])
            password = demo_password(spec["username"])
            user, _ = ensure_user(actor, spec["username"], password, spec["role"], unit, full_name=spec["full_name"])
            if "assigned" in spec:
                assigned = list(Unit.objects.filter(code__in=spec["assigned"]))
                if {u.code for u in user.assigned_units.all()} != {u.code for u in assigned}:
                    user.assigned_units.set(assigned)
            logins.append(
                {"role": str(spec["role"].value), "username": spec["username"], "password": password,
                 "unit_code": unit.code}
            )
    return logins
