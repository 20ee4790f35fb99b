"""The five roles of DESIGN.md."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    PARTNER = "partner"
    PRACTITIONER = "practitioner"
    MANAGER = "manager"
    ADMIN = "admin"
    # Head of service, assistant director, lead member, scrutiny officer: reads every locality's dashboards,
    # reports and "You said, we did", and changes nothing.
    SENIOR = "senior"

    @property
    def label(self) -> str:
        return "Senior leader" if self is Role.SENIOR else self.value.capitalize()

    @property
    def is_staff(self) -> bool:
        return self is not Role.PARTNER


STAFF_ROLES = frozenset({Role.PRACTITIONER, Role.MANAGER, Role.ADMIN})
