"""Test-wide set-up: debug settings and the real unit registry, loaded once per test database."""

import os

os.environ.setdefault("DEBUG", "1")

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from thuocdo.units.testing import ensure_registry_loaded

    with django_db_blocker.unblock():
        ensure_registry_loaded()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is deliberately slow (tens of ms); tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
