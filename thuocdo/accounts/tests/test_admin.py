"""The admin: central admins browse users, tokens and the read-only audit log; others cannot."""

import pytest

from thuocdo.accounts.choices import Role
from thuocdo.accounts.models import AuditEntry, User
from thuocdo.accounts.tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def central_admin():
    user = make_user("quantri", Role.CENTRAL_ADMIN, "VN")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def test_central_admin_browses_the_audit_log_read_only(client, central_admin):
    AuditEntry.objects.create(actor_kind="system", actor_label="system", action="units.update_profile",
                              object_type="UnitProfile", object_id="08494", unit_code="08494")
    client.login(username="quantri", password=PASSWORD)
    listing = client.get("/admin/accounts/auditentry/")
    assert listing.status_code == 200
    assert "units.update_profile" in listing.content.decode()
    entry = AuditEntry.objects.get()
    assert client.get(f"/admin/accounts/auditentry/{entry.pk}/change/").status_code == 200
    assert client.post(f"/admin/accounts/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/accounts/auditentry/add/").status_code == 403
    assert AuditEntry.objects.count() == 1


def test_admin_edit_of_a_user_is_audited(client, central_admin):
    officer = make_user("canbo", Role.COMMUNE_OFFICER, "08494")
    client.login(username="quantri", password=PASSWORD)
    response = client.post(f"/admin/accounts/user/{officer.pk}/change/", {
        "username": "canbo", "first_name": "Cán bộ", "last_name": "", "email": "", "is_active": "on",
        "date_joined_0": "2025-07-01", "date_joined_1": "08:00:00", "unit": "08494", "role": Role.PROVINCE_OFFICER,
    })
    assert response.status_code == 302
    assert User.objects.get(pk=officer.pk).role == Role.PROVINCE_OFFICER
    entry = AuditEntry.objects.get(action="admin.change")
    assert (entry.actor_label, entry.object_type, entry.object_id) == ("quantri", "User", str(officer.pk))
    assert (entry.before["role"], entry.after["role"]) == (Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER)
    assert entry.after["password"] == "***"


@pytest.mark.parametrize("role", [Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.CENTRAL_VIEWER, Role.INSPECTOR])
def test_other_roles_cannot_open_the_admin(client, role):
    make_user("khac", role, "25" if role == Role.PROVINCE_OFFICER else "VN")
    client.login(username="khac", password=PASSWORD)
    response = client.get("/admin/accounts/auditentry/")
    assert (response.status_code, response["Location"]) == (
        302, "/admin/login/?next=/admin/accounts/auditentry/")


def test_password_hashing_is_argon2():
    from thuocdo import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
