"""Declarative route permissions.

Every view carries exactly one of `@public` or `@role_required(...)`, directly under `@bp.route`.
The decorator records its decision on the view function (`view.access`), so the access-table test
can compare every endpoint in `app.url_map` with the table the tests keep.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from portal.common.roles import Role

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"
SIGNED_IN = "signed-in"


class NotFound(Exception):
    """A domain object does not exist, or the user may not know that it exists (shown as 404)."""


class Forbidden(Exception):
    """The user may see the object but not do this to it (shown as 403)."""


def current_person() -> Any:
    """The signed-in user object itself: services take the user, not Flask-Login's proxy (whose class
    name would otherwise end up in the audit log)."""
    return current_user._get_current_object()


def public(view: F) -> F:
    """Anyone may use this view, signed in or not."""
    view.access = frozenset({PUBLIC})  # type: ignore[attr-defined]
    return view


def role_required(*roles: Role) -> Callable[[F], F]:
    """Only signed-in users with one of `roles` may use the view; no roles means any signed-in user.

    Anonymous users are sent to sign in; signed-in users with another role get 403.
    """
    allowed = frozenset(roles) if roles else frozenset(Role)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from portal.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in allowed:
                from portal.common.audit import record_denied

                record_denied()
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = frozenset({SIGNED_IN}) if not roles else allowed  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
