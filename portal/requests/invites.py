"""Pod invites: a pod invites partner contacts to a meeting on a request.

Invitees get an e-mail with an iCalendar invitation (RFC 5545/5546). A change keeps the UID and
raises the SEQUENCE; a cancellation is a METHOD:CANCEL with a higher SEQUENCE still. Invitees answer
in the portal (accept, decline, propose another time) and the organiser is told; staff record who
attended once the meeting has started. Like every service here: checks first, then changes, audit
rows, timeline events and e-mails (a reference and a link, never case details); flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import access
from portal.accounts.models import User
from portal.common import audit, calendar, outbox
from portal.common.errors import DomainError
from portal.common.links import public_url_for
from portal.common.permissions import NotFound
from portal.common.roles import Role
from portal.common.times import ONLINE_LINK, format_datetime, when_text, where_text
from portal.directory.models import Organisation, Pod, PodMember
from portal.extensions import db
from portal.models_base import utcnow
from portal.requests.models import (
    ConsultationRequest,
    EventKind,
    InviteResponse,
    PodInvite,
    PodInvitee,
)
from portal.requests.services import _ensure_staff_of, _event

LOCATION_MAX = 200
ONLINE_LINK_MAX = 500

# How an invitee's answer appears in the calendar file (a proposal is not a PARTSTAT: still to settle).
_PARTSTAT = {
    InviteResponse.NEEDS_ACTION: "NEEDS-ACTION",
    InviteResponse.ACCEPTED: "ACCEPTED",
    InviteResponse.DECLINED: "DECLINED",
    InviteResponse.PROPOSED: "NEEDS-ACTION",
}


# --- reading --------------------------------------------------------------------------------------


def invitable_contacts(req: ConsultationRequest) -> list[User]:
    """Who may be invited to a meeting on `req`: active partner users of organisations in its locality."""
    return list(
        db.session.scalars(
            select(User)
            .join(Organisation, User.organisation_id == Organisation.id)
            .where(
                User.role == Role.PARTNER,
                User.disabled_at.is_(None),
                Organisation.locality_id == req.locality_id,
            )
            .order_by(Organisation.name, User.name, User.id)
            .options(selectinload(User.organisation))
        )
    )


def list_pod_invites(req: ConsultationRequest) -> list[PodInvite]:
    """The request's pod invites, soonest first, with their invitees (for the request page)."""
    return list(
        db.session.scalars(
            select(PodInvite)
            .where(PodInvite.request_id == req.id)
            .order_by(PodInvite.starts_at, PodInvite.id)
            .options(selectinload(PodInvite.invitees))
        )
    )


def get_pod_invite(request_id: int, invite_id: int, *, user: User) -> PodInvite:
    """The invite when `user` may see it: staff who may see its request; a partner who is invited, or
    of the organisation that made the request. Otherwise NotFound, so its existence does not leak."""
    invite = db.session.scalar(
        select(PodInvite)
        .where(PodInvite.id == invite_id, PodInvite.request_id == request_id)
        .options(
            selectinload(PodInvite.invitees).selectinload(PodInvitee.user).selectinload(User.organisation),
            selectinload(PodInvite.organiser),
            selectinload(PodInvite.request).selectinload(ConsultationRequest.organisation),
        )
    )
    if invite is None:
        raise NotFound
    if user.role is Role.PARTNER:
        invited = any(invitee.user_id == user.id for invitee in invite.invitees)
        if not invited and not access.is_partner_of(user, invite.request.organisation_id):
            raise NotFound
    else:
        _ensure_staff_of(user, invite.request)
    return invite


def invitee_of(invite: PodInvite, user: User) -> PodInvitee | None:
    return next((invitee for invitee in invite.invitees if invitee.user_id == user.id), None)


def get_invitee(invite: PodInvite, *, user: User) -> PodInvitee:
    """`user`'s place on the invite; NotFound for anyone not invited (only invitees may answer)."""
    invitee = invitee_of(invite, user)
    if invitee is None:
        raise NotFound
    return invitee


def has_started(invite: PodInvite, *, now: datetime | None = None) -> bool:
    return invite.starts_at <= (now or utcnow())


def is_open(invite: PodInvite) -> bool:
    """Not cancelled and not yet started: it can still be changed, cancelled and answered."""
    return invite.cancelled_at is None and not has_started(invite)


def status_label(invite: PodInvite) -> str:
    if invite.cancelled_at is not None:
        return "Cancelled"
    if invite.attendance_recorded_at is not None:
        return "Attendance recorded"
    if has_started(invite):
        return "Taken place"
    return "Arranged"


# --- checks ---------------------------------------------------------------------------------------


def _check_meeting(starts_at: datetime, ends_at: datetime, location: str, online_link: str) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("meeting times must be timezone-aware")
    if starts_at <= utcnow():
        raise DomainError("The start time must be in the future", field="starts_at")
    if ends_at <= starts_at:
        raise DomainError("The end time must be after the start time", field="ends_at")
    if not location and not online_link:
        raise DomainError("Enter a place or an online link", field="location")
    if len(location) > LOCATION_MAX:
        raise DomainError(f"The place must be {LOCATION_MAX} characters or fewer", field="location")
    if online_link and (len(online_link) > ONLINE_LINK_MAX or not ONLINE_LINK.fullmatch(online_link)):
        raise DomainError(
            "Enter the online link in the correct format, like https://meet.example.org/abc", field="online_link"
        )


def _ensure_open(invite: PodInvite) -> None:
    if invite.cancelled_at is not None:
        raise DomainError("This meeting has been cancelled")
    if has_started(invite):
        raise DomainError("This meeting has already started")


# --- sending, changing, cancelling ----------------------------------------------------------------


def send_pod_invite(
    req: ConsultationRequest,
    *,
    by: User,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    online_link: str,
    invitee_ids: Iterable[int],
) -> PodInvite:
    """Invite partner contacts of the request's locality to a pod meeting: each gets an e-mail with the
    iCalendar invitation (METHOD:REQUEST, SEQUENCE 0)."""
    _ensure_staff_of(by, req)
    location, online_link = location.strip(), online_link.strip()
    wanted = list(dict.fromkeys(invitee_ids))
    if not wanted:
        raise DomainError("Select at least one person to invite", field="invitees")
    contacts = {user.id: user for user in invitable_contacts(req)}
    if any(user_id not in contacts for user_id in wanted):
        raise DomainError("Select people from the list", field="invitees")
    _check_meeting(starts_at, ends_at, location, online_link)

    invite = PodInvite(
        request_id=req.id,
        pod_id=_pod_of(by, req),
        organiser_id=by.id,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        online_link=online_link,
        sequence=0,
    )
    invite.request = req
    invite.organiser = by
    invite.invitees = [PodInvitee(user_id=user_id, user=contacts[user_id]) for user_id in wanted]
    db.session.add(invite)
    db.session.flush()  # the UID is made from the id
    _event(req, EventKind.POD_INVITE_SENT, by=by, text=_event_text(invite))
    audit.record("pod_invite.sent", obj=invite, request_id=req.id, invitees=len(wanted))
    _send_calendar(invite, "REQUEST", what="You are invited to a pod meeting.", subject="Invitation: pod meeting")
    db.session.flush()
    return invite


def change_pod_invite(
    invite: PodInvite, *, by: User, starts_at: datetime, ends_at: datetime, location: str, online_link: str
) -> PodInvite:
    """Move the meeting or change where it is: the same UID with SEQUENCE + 1, sent again to every
    invitee, whose answers start again."""
    req = invite.request
    _ensure_staff_of(by, req)
    _ensure_open(invite)
    location, online_link = location.strip(), online_link.strip()
    _check_meeting(starts_at, ends_at, location, online_link)
    if (starts_at, ends_at, location, online_link) == (
        invite.starts_at,
        invite.ends_at,
        invite.location,
        invite.online_link,
    ):
        raise DomainError("Change the time or the place, or go back without saving", field="starts_at")

    invite.starts_at, invite.ends_at = starts_at, ends_at
    invite.location, invite.online_link = location, online_link
    invite.sequence += 1
    for invitee in invite.invitees:
        invitee.response = InviteResponse.NEEDS_ACTION
        invitee.proposed_starts_at = None
        invitee.responded_at = None
    _event(req, EventKind.POD_INVITE_CHANGED, by=by, text=_event_text(invite))
    audit.record("pod_invite.changed", obj=invite, request_id=req.id, sequence=invite.sequence)
    _send_calendar(
        invite,
        "REQUEST",
        what="A pod meeting you are invited to has changed. Please answer again.",
        subject="Changed: pod meeting",
    )
    db.session.flush()
    return invite


def cancel_pod_invite(invite: PodInvite, *, by: User) -> PodInvite:
    """Call the meeting off: METHOD:CANCEL, the same UID, SEQUENCE + 1."""
    req = invite.request
    _ensure_staff_of(by, req)
    _ensure_open(invite)
    invite.sequence += 1
    invite.cancelled_at = utcnow()
    _event(req, EventKind.POD_INVITE_CANCELLED, by=by, text=f"The meeting on {when_text(invite)} is cancelled.")
    audit.record("pod_invite.cancelled", obj=invite, request_id=req.id, sequence=invite.sequence)
    _send_calendar(
        invite, "CANCEL", what="A pod meeting you were invited to is cancelled.", subject="Cancelled: pod meeting"
    )
    db.session.flush()
    return invite


# --- answering and attendance ---------------------------------------------------------------------


def respond_to_pod_invite(
    invite: PodInvite, *, by: User, response: InviteResponse, proposed_starts_at: datetime | None
) -> PodInvitee:
    """An invitee accepts, declines or proposes another time; the organiser is told by e-mail."""
    invitee = get_invitee(invite, user=by)
    _ensure_open(invite)
    if response is InviteResponse.NEEDS_ACTION:
        raise DomainError("Select whether you can attend", field="response")
    if response is InviteResponse.PROPOSED:
        if proposed_starts_at is None:
            raise DomainError("Enter the date and time you propose", field="proposed_starts_at")
        if proposed_starts_at.tzinfo is None:
            raise ValueError("the proposed time must be timezone-aware")
        if proposed_starts_at <= utcnow():
            raise DomainError("The time you propose must be in the future", field="proposed_starts_at")
    else:
        proposed_starts_at = None

    invitee.response = response
    invitee.proposed_starts_at = proposed_starts_at
    invitee.responded_at = utcnow()
    audit.record("pod_invite.answered", obj=invite, request_id=invite.request_id, response=response.value)
    organiser = invite.organiser
    if organiser.is_active:
        req = invite.request
        outbox.enqueue(
            to=organiser,
            subject=f"{response.label}: pod meeting ({req.reference})",
            template="emails/pod_invite_response.txt",
            name=organiser.name,
            who=by.name,
            answer=_answer_text(response),
            proposed=format_datetime(proposed_starts_at) if proposed_starts_at else "",
            when=when_text(invite),
            reference=req.reference,
            link=invite_link(invite),
        )
    db.session.flush()
    return invitee


def record_attendance(invite: PodInvite, *, by: User, attended_user_ids: Iterable[int]) -> PodInvite:
    """Record who came, once the meeting has started. Recording again replaces the record."""
    req = invite.request
    _ensure_staff_of(by, req)
    if invite.cancelled_at is not None:
        raise DomainError("This meeting was cancelled")
    if not has_started(invite):
        raise DomainError("You can record attendance once the meeting has started", field="attended")
    attended = set(attended_user_ids)
    invited = {invitee.user_id for invitee in invite.invitees}
    if not attended <= invited:
        raise DomainError("Select people from the list", field="attended")
    for invitee in invite.invitees:
        invitee.attended = invitee.user_id in attended
    invite.attendance_recorded_at = utcnow()
    audit.record("pod_invite.attendance_recorded", obj=invite, request_id=req.id, attended=len(attended))
    db.session.flush()
    return invite


# --- helpers --------------------------------------------------------------------------------------


def invite_link(invite: PodInvite) -> str:
    return public_url_for("requests.pod_invite", request_id=invite.request_id, invite_id=invite.id)


def _pod_of(user: User, req: ConsultationRequest) -> int | None:
    """The organiser's pod in the request's locality, if they are in one."""
    return db.session.scalar(
        select(Pod.id)
        .join(PodMember, PodMember.pod_id == Pod.id)
        .where(PodMember.user_id == user.id, Pod.locality_id == req.locality_id)
        .order_by(Pod.id)
        .limit(1)
    )


def _event_text(invite: PodInvite) -> str:
    return f"Meeting on {when_text(invite)}. {where_text(invite)}. {len(invite.invitees)} invited."


def _answer_text(response: InviteResponse) -> str:
    return {
        InviteResponse.ACCEPTED: "accepted the invitation to the pod meeting",
        InviteResponse.DECLINED: "declined the invitation to the pod meeting",
        InviteResponse.PROPOSED: "asked for the pod meeting to be at another time",
    }.get(response, "answered the invitation to the pod meeting")


def calendar_event(invite: PodInvite) -> calendar.CalendarEvent:
    """The invite as its calendar files describe it: a reference and a link, never case details."""
    req = invite.request
    description = f"A pod meeting about request {req.reference}."
    if invite.online_link:
        description += f"\n\nJoin online: {invite.online_link}"
    return calendar.CalendarEvent(
        uid=invite.uid,
        sequence=invite.sequence,
        summary=f"Pod meeting (ref {req.reference})",
        start=invite.starts_at,
        end=invite.ends_at,
        location=invite.location or invite.online_link,
        url=invite_link(invite),
        organizer_email=invite.organiser.email,
        organizer_name=invite.organiser.name,
        attendees=tuple(
            calendar.Attendee(email=i.user.email, name=i.user.name, status=_PARTSTAT[i.response])
            for i in invite.invitees
        ),
        description=description,
    )


def _send_calendar(invite: PodInvite, method: calendar.Method, *, what: str, subject: str) -> None:
    """One e-mail per active invitee, each with the same calendar file attached."""
    build = calendar.build_request if method == "REQUEST" else calendar.build_cancel
    attachment = outbox.Attachment(calendar.ICS_FILENAME, calendar.content_type(method), build(calendar_event(invite)))
    req = invite.request
    for invitee in invite.invitees:
        if not invitee.user.is_active:
            continue
        outbox.enqueue(
            to=invitee.user,
            subject=f"{subject} ({req.reference})",
            template="emails/pod_invite.txt",
            attachments=[attachment],
            name=invitee.user.name,
            what=what,
            when=when_text(invite),
            where=where_text(invite),
            online_link=invite.online_link,
            cancelled=method == "CANCEL",
            reference=req.reference,
            link=invite_link(invite),
            thread=outbox.thread_of("pod-invite", invite.id, invitee.user.email),
        )
