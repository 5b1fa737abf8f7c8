"""Test-wide set-up: debug settings and the real unit registry, loaded once per test database."""

import os

os.environ.setdefault("DEBUG", "1")

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from thuocdo.units.testing import ensure_registry_loaded

    with django_db_blocker.unblock():
        ensure_registry_loaded()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test, Django has flushed every table: load the registry again for the next ones.

    Outside any test transaction (after the flush), so it is loaded once, not once per following test.
    """
    yield
    marker = item.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    from pytest_django.plugin import blocking_manager_key

    from thuocdo.units.testing import ensure_registry_loaded

    with item.config.stash[blocking_manager_key].unblock():
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
