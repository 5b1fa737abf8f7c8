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


@pytest.fixture(autouse=True)
def _fresh_registry_cache():
    # Tests add units (agencies) and roll them back; the process-level registry cache must not outlive a test.
    from thuocdo.units import cache

    cache.clear()
    yield
    cache.clear()
