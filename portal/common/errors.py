"""The one domain error. Services raise it (or a subclass) when a rule refuses what was asked; routes
put its message on the form field it names (`portal.common.forms.show_domain_error`), or above the form
when it names none."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the action. `message` is written for the person (GOV.UK style: says what to do);
    `field` is the form field it belongs to, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
