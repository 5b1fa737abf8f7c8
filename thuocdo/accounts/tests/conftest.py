"""One user per role, in the units the permission matrix uses (Phú Thọ and Xã Lâm Thao)."""

import pytest

from thuocdo.accounts.choices import Role
from thuocdo.accounts.models import User
from thuocdo.units.models import Unit

PASSWORD = "matkhau-thu-nghiem-123"
# Phú Thọ (25), its communes Xã Lâm Thao (08494) and Xã Phú Mỹ (08236); HCMC (79) and its Phường Phú Mỹ.
OWN_PROVINCE, OWN_COMMUNE, SIBLING_COMMUNE = "25", "08494", "08236"
OTHER_PROVINCE, OTHER_COMMUNE = "79", "26704"


def make_user(username: str, role: str, unit_code: str, assigned: list[str] | None = None) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, role=role, unit=Unit.objects.get(code=unit_code)
    )
    if assigned:
        user.assigned_units.set(Unit.objects.filter(code__in=assigned))
    return user


@pytest.fixture
def role_users(db) -> dict[str, User]:
    return {
        Role.CENTRAL_ADMIN: make_user("admin1", Role.CENTRAL_ADMIN, "VN"),
        Role.CENTRAL_VIEWER: make_user("viewer1", Role.CENTRAL_VIEWER, "VN"),
        Role.PROVINCE_OFFICER: make_user("tinh1", Role.PROVINCE_OFFICER, OWN_PROVINCE),
        Role.COMMUNE_OFFICER: make_user("xa1", Role.COMMUNE_OFFICER, OWN_COMMUNE),
        Role.INSPECTOR: make_user("tct1", Role.INSPECTOR, "VN", assigned=[OWN_PROVINCE]),
    }
