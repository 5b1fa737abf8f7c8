"""Test helpers for other apps: the real registry, loaded once per test database."""

from thuocdo.units.models import LegacyUnit, Unit

# 1 nation + 34 provinces + 3,321 communes; 10,040 pre-2025 communes.
REGISTRY_SIZE = 3356
LEGACY_SIZE = 10040


def ensure_registry_loaded() -> None:
    """Load the unit registry unless the database already holds all of it (a reused test database)."""
    if Unit.objects.count() != REGISTRY_SIZE or LegacyUnit.objects.count() != LEGACY_SIZE:
        from thuocdo.units.loader import load_units

        load_units()
