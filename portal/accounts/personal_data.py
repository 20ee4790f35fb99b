"""A person's own data: exported on request (subject access), and erased when their account is closed.

The export holds what the portal stores about the signed-in person and what they wrote themselves: their
account, their requests and messages, the promises and outcomes given to them, feedback they gave under
their name, bookings, meeting answers and their sign-in history. Feedback given anonymously is not linked
to anyone, so it cannot be exported (the privacy notice says so).

Erasure keeps the records other people rely on (a school's requests, the figures) and removes the person
from them: their name, e-mail, phone and job title are replaced, their password, sessions and links to
their organisation's identity provider removed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, or_, select, update

from portal.accounts.models import Invitation, PasswordReset, ProviderIdentity, User, UserSession
from portal.common import audit
from portal.common.errors import DomainError
from portal.common.models import AuditEvent, Notification
from portal.directory.models import Locality
from portal.extensions import db
from portal.feedback.models import Feedback, PulseResponse
from portal.meetings.models import MeetingInvitation
from portal.models_base import utcnow
from portal.requests.models import ConsultationRequest, RequestEvent
from portal.sessions.models import Booking

ERASED_NAME = "Erased user"


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _row(obj: Any, *fields: str) -> dict[str, Any]:
    return {name: _value(getattr(obj, name)) for name in fields}


def export(user: User) -> dict[str, Any]:
    """Everything held about `user` as plain JSON-ready data. Audited."""
    requests = db.session.scalars(
        select(ConsultationRequest).where(ConsultationRequest.created_by_id == user.id).order_by(ConsultationRequest.id)
    ).all()
    messages = db.session.scalars(
        select(RequestEvent).where(RequestEvent.actor_id == user.id).order_by(RequestEvent.id)
    ).all()
    feedback = db.session.scalars(select(Feedback).where(Feedback.author_id == user.id).order_by(Feedback.id)).all()
    pulses = db.session.scalars(
        select(PulseResponse).where(PulseResponse.responded_by_id == user.id).order_by(PulseResponse.id)
    ).all()
    bookings = db.session.scalars(select(Booking).where(Booking.user_id == user.id).order_by(Booking.id)).all()
    answers = db.session.scalars(
        select(MeetingInvitation).where(MeetingInvitation.answered_by_id == user.id).order_by(MeetingInvitation.id)
    ).all()
    notes = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()
    sign_ins = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.actor_id == user.id, AuditEvent.action.like("sign_in%"))
        .order_by(AuditEvent.id.desc())
        .limit(500)
    ).all()
    # A download changes nothing else, so its audit row is written in its own transaction.
    audit.record_now("user.data_exported", object_type="User", object_id=user.id)
    return {
        "exported_at": utcnow().isoformat(),
        "account": {
            **_row(user, "name", "email", "job_title", "phone", "created_at", "last_sign_in_at"),
            "role": user.role.value,
            "organisation": user.organisation.name if user.organisation else None,
            "locality": user.locality.name if user.locality else None,
        },
        "requests": [
            {
                "reference": r.reference,
                **_row(r, "kind", "status", "received_at", "closed_at", "summary", "help_wanted", "outcome"),
                "outcome_summary": r.outcome_summary,
                "promises_made_to_you": [_row(p, "text", "due_on", "kept_at") for p in r.promises],
            }
            for r in requests
        ],
        "messages_and_updates_you_wrote": [
            {"request": f"PP-{e.request_id:06d}", **_row(e, "at", "kind", "text")} for e in messages
        ],
        "feedback_under_your_name": [_row(f, "theme", "rating", "text", "created_at") for f in feedback],
        "pulse_answers": [
            {"request": f"PP-{p.request_id:06d}", **_row(p, "helpful", "knew_what_next", "created_at")} for p in pulses
        ],
        "session_bookings": [
            {"session": b.session.title, **_row(b, "status", "created_at", "cancelled_at", "attended")}
            for b in bookings
        ],
        "meeting_answers": [
            {"meeting": a.meeting.title, **_row(a, "answer", "attendees", "answered_at")} for a in answers
        ],
        "notifications": [_row(n, "created_at", "subject", "link", "read_at") for n in notes],
        "sign_ins": [_row(a, "at", "action", "ip_address") for a in sign_ins],
        "organisation_accounts_you_sign_in_with": [
            _row(i, "issuer", "subject", "created_at", "last_used_at")
            for i in db.session.scalars(select(ProviderIdentity).where(ProviderIdentity.user_id == user.id))
        ],
    }


def erase(user: User, *, by: User) -> None:
    """Close `user`'s account and remove them as a person from the records that stay."""
    if user.id == by.id:
        raise DomainError("You cannot erase your own account")
    leads = db.session.scalars(
        select(Locality.name).where(or_(Locality.lead_id == user.id, Locality.manager_id == user.id))
    ).all()
    if leads:
        raise DomainError(
            f"{user.name} is the lead or manager of {', '.join(sorted(leads))}: choose someone else there first"
        )
    now = utcnow()
    for session in db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)):
        db.session.delete(session)
    for reset in db.session.scalars(select(PasswordReset).where(PasswordReset.user_id == user.id)):
        db.session.delete(reset)
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    for identity in db.session.scalars(select(ProviderIdentity).where(ProviderIdentity.user_id == user.id)):
        db.session.delete(identity)
    erased_email = f"erased-{user.id}@erased.invalid"
    db.session.execute(
        update(Invitation).where(Invitation.email == user.email).values(email=erased_email, name=ERASED_NAME)
    )
    user.name = ERASED_NAME
    user.email = erased_email
    user.phone = ""
    user.job_title = ""
    user.password_hash = None
    user.disabled_at = user.disabled_at or now
    audit.record("user.erased", obj=user)
    db.session.flush()
