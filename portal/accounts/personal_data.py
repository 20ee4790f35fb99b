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

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import selectinload

from portal.accounts.models import Invitation, PasswordReset, ProviderIdentity, User, UserSession
from portal.common import audit
from portal.common.errors import DomainError
from portal.common.exports import csv_text
from portal.common.models import AuditEvent, Notification
from portal.common.times import format_date, format_datetime
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


def _json(data: Any) -> Any:
    """The data with its dates as ISO 8601 and its enums as their values: for a program to read."""
    if isinstance(data, dict):
        return {key: _json(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_json(item) for item in data]
    return _value(data)


def _row(obj: Any, *fields: str) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def _held(user: User) -> dict[str, Any]:
    """Everything held about `user`, as the models hold it (dates, enums)."""
    requests = db.session.scalars(
        select(ConsultationRequest)
        .where(ConsultationRequest.created_by_id == user.id)
        .options(selectinload(ConsultationRequest.need_level))
        .order_by(ConsultationRequest.id)
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
    return {
        "exported_at": utcnow(),
        "account": {
            **_row(user, "name", "email", "job_title", "phone", "created_at", "last_sign_in_at"),
            "role": user.role,
            "contact_role": user.contact_role.label if user.contact_role else None,
            "organisation": user.organisation.name if user.organisation else None,
            "locality": user.locality.name if user.locality else None,
        },
        "requests": [
            {
                "reference": r.reference,
                **_row(r, "kind", "status", "urgency", "received_at", "closed_at", "summary", "help_wanted", "outcome"),
                "level_of_need_advised": r.need_level.name if r.need_level is not None else None,
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


def export(user: User) -> dict[str, Any]:
    """Everything held about `user` as plain JSON-ready data. Audited."""
    data = _held(user)
    # A download changes nothing else, so its audit row is written in its own transaction.
    audit.record_now("user.data_exported", object_type="User", object_id=user.id)
    return cast(dict[str, Any], _json(data))


# --- the same, in plain English (the page and the CSV) ---------------------------------------------

SECTIONS = {
    "account": "Your account",
    "requests": "Requests you made",
    "messages_and_updates_you_wrote": "Messages and updates you wrote",
    "feedback_under_your_name": "Feedback you gave under your name",
    "pulse_answers": "Your answers after closed requests",
    "session_bookings": "Your session bookings",
    "meeting_answers": "Your answers to meeting invitations",
    "notifications": "Notifications sent to you",
    "sign_ins": "Your sign-ins",
    "organisation_accounts_you_sign_in_with": "Organisation accounts you sign in with",
}
LABELS = {
    "name": "Name",
    "email": "Email address",
    "job_title": "Job title",
    "phone": "Phone",
    "created_at": "Date",
    "last_sign_in_at": "Last signed in",
    "role": "Role",
    "contact_role": "Your role at your organisation",
    "organisation": "Organisation",
    "locality": "Locality",
    "reference": "Reference",
    "kind": "Type",
    "status": "Status",
    "received_at": "Received",
    "closed_at": "Closed",
    "summary": "Summary",
    "help_wanted": "Help wanted",
    "outcome": "Outcome",
    "urgency": "How soon you needed a response",
    "level_of_need_advised": "Level of need advised",
    "outcome_summary": "What happens next",
    "promises_made_to_you": "Promises made to you",
    "request": "Request",
    "at": "Date",
    "text": "What was written",
    "theme": "Theme",
    "rating": "Rating (out of 5)",
    "helpful": "Was the consultation helpful?",
    "knew_what_next": "Did you know what would happen next?",
    "session": "Session",
    "cancelled_at": "Cancelled",
    "attended": "Attended",
    "meeting": "Meeting",
    "answer": "Answer",
    "attendees": "Who will attend",
    "answered_at": "Answered",
    "action": "What happened",
    "ip_address": "From (IP address)",
    "due_on": "Due",
    "kept_at": "Kept",
    "subject": "Subject",
    "link": "Link in the portal",
    "read_at": "Read",
    "issuer": "Organisation's sign-in service",
    "last_used_at": "Last used",
}
# The account was created: said so, rather than a bare "Date".
ACCOUNT_LABELS = {**LABELS, "created_at": "Account created"}
SIGN_IN_ACTIONS = {
    "sign_in": "Signed in",
    "sign_in.succeeded": "Signed in",
    "sign_in.failed": "Sign-in failed",
    "sign_in.locked": "Sign-in refused: account locked",
    "sign_in.code_accepted": "Code from the authenticator app accepted",
    "sign_in.code_refused": "Code from the authenticator app refused",
}


@dataclass(frozen=True)
class Section:
    """One part of a person's data: a heading, its columns and its rows of plain-English text."""

    key: str
    heading: str
    columns: list[str]
    rows: list[list[str]]


def _plain(value: Any) -> str:
    """A value as a person reads it: "7 April 2026 at 8:50am", "Advice given", "Yes"."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, enum.Enum):
        label = getattr(value, "label", None)
        return str(label) if isinstance(label, str) else str(value.value).replace("_", " ").capitalize()
    return str(value)


def _promise(promise: dict[str, Any]) -> str:
    text = f"{promise['text']} (due {_plain(promise['due_on'])}"
    return text + (f", kept {_plain(promise['kept_at'])})" if promise["kept_at"] else ", not kept yet)")


def _cell(key: str, value: Any) -> str:
    if key == "promises_made_to_you":
        return "\n".join(_promise(p) for p in value) or "None"
    if key == "action":
        return SIGN_IN_ACTIONS.get(str(value), str(value).replace("_", " ").replace(".", ": ").capitalize())
    return _plain(value)


def _sections(data: dict[str, Any]) -> list[Section]:
    account = data["account"]
    sections = [
        Section(
            "account",
            SECTIONS["account"],
            ["Detail", "Value"],
            [[ACCOUNT_LABELS[key], _cell(key, value) or "None"] for key, value in account.items()],
        )
    ]
    for key, heading in SECTIONS.items():
        if key == "account":
            continue
        items = data[key]
        columns = list(items[0]) if items else []
        sections.append(
            Section(
                key,
                heading,
                [LABELS[c] for c in columns],
                [[_cell(c, item[c]) for c in columns] for item in items],
            )
        )
    return sections


@dataclass(frozen=True)
class Readable:
    exported_at: str
    sections: list[Section]


def readable_export(user: User) -> Readable:
    """Everything held about `user` in plain English (the "Your data" page). Audited as an export."""
    data = _held(user)
    audit.record_now("user.data_exported", object_type="User", object_id=user.id)
    return Readable(format_datetime(data["exported_at"]), _sections(data))


def export_csv(user: User) -> str:
    """Everything held about `user` as CSV in plain English: one row per detail (section, item, what, value),
    as the sections have different columns. Every cell is neutralised against formula injection. Audited."""
    readable = readable_export(user)
    rows: list[list[object]] = [["Section", "Item", "Detail", "Value"]]
    for section in readable.sections:
        if section.key == "account":
            rows += [[section.heading, "", label, value] for label, value in section.rows]
            continue
        for number, row in enumerate(section.rows, start=1):
            rows += [
                [section.heading, number, column, value] for column, value in zip(section.columns, row, strict=True)
            ]
    return csv_text(rows)


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
    user.contact_role = None
    user.password_hash = None
    user.disabled_at = user.disabled_at or now
    audit.record("user.erased", obj=user)
    db.session.flush()
