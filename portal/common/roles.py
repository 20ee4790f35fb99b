"""The four roles of DESIGN.md."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    PARTNER = "partner"
    PRACTITIONER = "practitioner"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def is_staff(self) -> bool:
        return self is not Role.PARTNER


STAFF_ROLES = frozenset({Role.PRACTITIONER, Role.MANAGER, Role.ADMIN})
