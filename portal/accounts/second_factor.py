"""The second factor for staff and admins, and for partners who turn it on: time-based one-time codes
(TOTP, RFC 6238) from an authenticator app, with pyotp. A code works once: the last accepted time step is
stored, and a code is accepted only for a later step, claimed with one conditional UPDATE so that two
simultaneous posts of the same code cannot both succeed.
"""

from __future__ import annotations

import hmac
import time
from typing import Any

import pyotp
import segno
from flask import current_app
from sqlalchemy import or_, update

from portal.accounts.models import User
from portal.common import audit
from portal.extensions import db

STEP_SECONDS = 30
# A code from the step before or after now is accepted too: phones' clocks drift.
DRIFT_STEPS = 1


def is_required_for(user: User) -> bool:
    """Anyone who has set up an app needs a code; staff and admins also when the portal requires it."""
    if user.totp_secret is not None:
        return True
    return user.is_staff and bool(current_app.config["REQUIRE_SECOND_FACTOR"])


def new_secret() -> str:
    return pyotp.random_base32()


def begin_set_up(user: User) -> str:
    """The secret the person's app is being set up with: kept on the account (server side) from the first
    step to the code that proves the app has it, never in the session cookie (signed, but readable)."""
    if user.totp_pending_secret is None:
        user.totp_pending_secret = new_secret()
        db.session.flush()
    return user.totp_pending_secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["SERVICE_NAME"])


def qr_svg(uri: str) -> str:
    """The set-up link as an inline SVG QR code (made here; no third-party request)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, title="QR code for your authenticator app"))


def grouped(secret: str) -> str:
    """The key in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret: str, code: str, now: float) -> int | None:
    code = code.replace(" ", "").strip()
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _claim(user: User, step: int, **values: Any) -> bool:
    """Record `step` as used unless it (or a later one) already was; True when this call claimed it."""
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step, **values)
        .execution_options(synchronize_session=False)
    )
    claimed = bool(getattr(result, "rowcount", 0) == 1)
    db.session.refresh(user)
    return claimed


def verify(user: User, code: str, *, now: float | None = None) -> bool:
    """Check a signing-in user's code; each code works once. Audited either way."""
    step = _matching_step(user.totp_secret or "", code, time.time() if now is None else now)
    ok = step is not None and user.totp_secret is not None and _claim(user, step)
    # In the request's transaction (the code page commits its POSTs, refused or not): the claim above may
    # hold SQLite's write lock, which a separate audit transaction would wait for.
    audit.record("sign_in.code_accepted" if ok else "sign_in.code_refused", obj=user, actor_id=user.id)
    return ok


def enrol(user: User, code: str, *, now: float | None = None) -> bool:
    """Keep the secret being set up (`begin_set_up`) once the person proves their app has it with a code."""
    secret = user.totp_pending_secret
    if secret is None:
        return False
    step = _matching_step(secret, code, time.time() if now is None else now)
    if step is None or not _claim(user, step, totp_secret=secret, totp_pending_secret=None):
        return False
    audit.record("second_factor.set_up", obj=user, actor_id=user.id)
    return True


def reset(user: User, *, by: User) -> None:
    """An admin removes a lost authenticator: the person sets up a new one at their next sign-in."""
    user.totp_secret = None
    user.totp_pending_secret = None
    user.totp_last_step = None
    audit.record("second_factor.reset", obj=user)
    db.session.flush()
