"""Helpers for the directory tests (posting, error pages and row counts are in tests/support)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def staff_in(factories: Any) -> Any:
    """staff_in(locality, **fields): a practitioner in that locality."""
    from portal.common.roles import Role

    def make(locality: Any, **fields: Any) -> Any:
        fields.setdefault("role", Role.PRACTITIONER)
        return factories.UserFactory(locality=locality, **fields)

    return make
