"""The record of a partnership meeting once it has started: the attendance register, the minutes, and the
action log, whose open actions are carried forward to every later meeting of the locality.

Kept apart from `portal.meetings.services` (scheduling, invitations and answers) because this is what the
locality's managers write once a meeting has started (`is_held`), and what its partners read afterwards:
the published minutes and the action log, so their free text is checked for a child's identifiers first
(`check_free_text`). Only a manager of the meeting's locality records anything (`ensure_manager_of`, as in
`portal.meetings.services`). Like every service here: checks first, then changes and audit rows; flush,
never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal import access
from portal.accounts.models import User
from portal.common import audit
from portal.common.errors import DomainError
from portal.common.identifiers import check_free_text
from portal.common.permissions import NotFound
from portal.common.roles import Role
from portal.directory.models import Organisation
from portal.extensions import db
from portal.meetings import owners
from portal.meetings.models import MeetingAction, MeetingAnswer, PartnershipMeeting, Rag
from portal.meetings.services import (
    ATTENDEES_MAX,
    ensure_manager_of,
    has_started,
)
from portal.models_base import utcnow

MINUTES_MAX = 50000
ACTION_MAX = 1000
NOTE_MAX = owners.NOTE_MAX

# --- checks ---------------------------------------------------------------------------------------


def _ensure_held(meeting: PartnershipMeeting) -> None:
    if meeting.cancelled_at is not None:
        raise DomainError("This meeting was cancelled")
    if not has_started(meeting):
        raise DomainError("You can record this once the meeting has started")


# --- the register and minutes ---------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterEntry:
    represented: bool
    by_whom: str


@dataclass(frozen=True)
class RegisterDraft:
    """What the register form starts with for one school: `represented` is None until it is recorded."""

    represented: bool | None
    by_whom: str


def register_draft(meeting: PartnershipMeeting) -> dict[int, RegisterDraft]:
    """Per invitation id, the register as recorded; before that, who an attending school said would come (to
    confirm on the day), and nothing for the others."""
    draft: dict[int, RegisterDraft] = {}
    for invitation in meeting.invitations:
        if invitation.represented is not None:
            draft[invitation.id] = RegisterDraft(invitation.represented, invitation.represented_by)
        elif invitation.answer is MeetingAnswer.ATTENDING:
            draft[invitation.id] = RegisterDraft(None, invitation.attendees)
        else:
            draft[invitation.id] = RegisterDraft(None, "")
    return draft


def record_register(
    meeting: PartnershipMeeting, *, by: User, entries: Mapping[int, RegisterEntry]
) -> PartnershipMeeting:
    """Record, per invited school (invitation id → entry), whether it was represented and by whom, once the
    meeting has started. Every invited school needs an entry; recording again replaces the register."""
    ensure_manager_of(by, meeting)
    _ensure_held(meeting)
    invited = {i.id for i in meeting.invitations}
    if set(entries) != invited:
        raise DomainError("Say for every school whether it was represented", field="register")
    for invitation in meeting.invitations:
        entry = entries[invitation.id]
        who = " ".join(entry.by_whom.split())
        if entry.represented and not who:
            raise DomainError(f"Enter who represented {invitation.invitee_name}", field=f"by_{invitation.id}")
        if len(who) > ATTENDEES_MAX:
            raise DomainError(f"Who came must be {ATTENDEES_MAX} characters or fewer", field=f"by_{invitation.id}")
    for invitation in meeting.invitations:
        entry = entries[invitation.id]
        invitation.represented = entry.represented
        invitation.represented_by = " ".join(entry.by_whom.split()) if entry.represented else ""
    again = meeting.register_recorded_at is not None
    meeting.register_recorded_at = utcnow()
    audit.record(
        "meeting.register_recorded",
        obj=meeting,
        represented=sum(1 for e in entries.values() if e.represented),
        schools=len(entries),
        again=again,
    )
    db.session.flush()
    return meeting


def save_minutes(
    meeting: PartnershipMeeting, *, by: User, minutes: str, publish: bool, confirmed: bool
) -> PartnershipMeeting:
    """Write the minutes (a draft only managers see) and publish them to the locality's partners. Once
    published they stay published, whichever button is used: saving again updates what partners read.

    New or changed text, and the text about to be published, is checked for a child's identifiers first
    (IdentifiersFound, unless `confirmed`): published minutes go to every partner of the locality."""
    ensure_manager_of(by, meeting)
    _ensure_held(meeting)
    minutes = minutes.strip()
    if not minutes:
        raise DomainError("Enter the minutes", field="minutes")
    if len(minutes) > MINUTES_MAX:
        raise DomainError(f"The minutes must be {MINUTES_MAX:,} characters or fewer", field="minutes")
    first_publication = publish and meeting.minutes_published_at is None
    if minutes != meeting.minutes or first_publication:
        check_free_text(minutes=minutes, confirmed=confirmed)
    meeting.minutes = minutes
    if first_publication:
        meeting.minutes_published_at = utcnow()
    audit.record(
        "meeting.minutes_published" if first_publication else "meeting.minutes_saved",
        obj=meeting,
        published=meeting.minutes_published_at is not None,
        length=len(minutes),
        identifiers_confirmed=confirmed,
    )
    db.session.flush()
    return meeting


# --- the action log -------------------------------------------------------------------------------


def owner_choices(meeting: PartnershipMeeting) -> list[tuple[str, str]]:
    """Who may own an action of the meeting: its locality's active staff (portal.access.staff_of, "user:<id>"),
    the active partner users of its locality's organisations and of those invited from elsewhere, and the
    people invited by name, in person ("user:<id>"), and those organisations themselves ("organisation:<id>"):
    staff, then partners, then organisations."""
    locality_id = meeting.locality_id
    # The organisations invited (not those of people invited by name: their colleagues were not invited).
    invited = [i.organisation_id for i in meeting.invitations if i.user_id is None]
    named = [i.user_id for i in meeting.invitations if i.user_id is not None]
    of_meeting = or_(Organisation.locality_id == locality_id, Organisation.id.in_(invited))
    staff = db.session.scalars(select(User).where(access.staff_of([locality_id])).order_by(User.name, User.id))
    partners = db.session.execute(
        select(User, Organisation)
        .join(Organisation, User.organisation_id == Organisation.id)
        .where(User.role == Role.PARTNER, User.disabled_at.is_(None), or_(of_meeting, User.id.in_(named)))
        .order_by(User.name, User.id)
    )
    orgs = db.session.scalars(select(Organisation).where(of_meeting).order_by(Organisation.name, Organisation.id))
    choices = [(f"user:{u.id}", f"{u.name}, {u.job_title}" if u.job_title else u.name) for u in staff]
    choices += [(f"user:{u.id}", f"{u.name}, {o.name}") for u, o in partners]
    choices += [(f"organisation:{o.id}", f"{o.name} ({o.kind.label.lower()})") for o in orgs]
    return choices


def parse_owner(value: str) -> tuple[str, int] | None:
    """'user:12' → ("user", 12); 'organisation:5' → ("organisation", 5); anything else → None."""
    kind, _, number = value.partition(":")
    if kind not in ("user", "organisation") or not number.isascii() or not number.isdigit():
        return None
    return kind, int(number)


def add_action(
    meeting: PartnershipMeeting,
    *,
    by: User,
    text: str,
    owner: str,
    due_on: date,
    rag: Rag,
    confirmed: bool,
) -> MeetingAction:
    """Log an action agreed at the meeting: the action, its owner (a member of the locality's staff, a partner
    in person or a partner organisation: `owner_choices`), the due date and RAG status. It stays open, carried
    forward to every later meeting of the locality, until it is marked done. Partners of the locality read the
    action log, so the text is checked for a child's identifiers first (IdentifiersFound, unless `confirmed`)."""
    ensure_manager_of(by, meeting)
    _ensure_held(meeting)
    text = text.strip()
    if not text:
        raise DomainError("Enter the action", field="text")
    if len(text) > ACTION_MAX:
        raise DomainError(f"The action must be {ACTION_MAX:,} characters or fewer", field="text")
    parsed = parse_owner(owner)
    if parsed is None or owner not in {value for value, _ in owner_choices(meeting)}:
        raise DomainError("Select who owns the action", field="owner")
    check_free_text(text=text, confirmed=confirmed)
    kind, owner_id = parsed
    action = MeetingAction(
        locality_id=meeting.locality_id,
        raised_at_meeting_id=meeting.id,
        text=text,
        owner_user_id=owner_id if kind == "user" else None,
        owner_organisation_id=owner_id if kind == "organisation" else None,
        due_on=due_on,
        rag=rag,
    )
    db.session.add(action)
    db.session.flush()
    audit.record(
        "meeting_action.added",
        obj=action,
        meeting_id=meeting.id,
        rag=rag.value,
        owner=owner,
        identifiers_confirmed=confirmed,
    )
    return action


def get_action(meeting: PartnershipMeeting, action_id: int, *, user: User) -> MeetingAction:
    """An action of the meeting's locality that `user` manages, raised at this meeting or carried forward
    to it; NotFound otherwise."""
    ensure_manager_of(user, meeting)
    action = db.session.get(MeetingAction, action_id)
    if action is None or action.locality_id != meeting.locality_id:
        raise NotFound
    if action.id not in {a.id for a in raised_at(meeting)} | {a.id for a in carried_forward(meeting)}:
        raise NotFound
    return action


def update_action(
    meeting: PartnershipMeeting,
    action: MeetingAction,
    *,
    by: User,
    rag: Rag,
    done: bool,
    note: str,
    confirmed: bool,
) -> MeetingAction:
    """Change an action's RAG status, mark it done (or open again), and note progress (portal.meetings.owners:
    kept in the action's history). A new or changed note is checked for a child's identifiers first
    (IdentifiersFound, unless `confirmed`); one saved before is not asked about again."""
    ensure_manager_of(by, meeting)
    if action.locality_id != meeting.locality_id:
        raise NotFound
    was_done = action.done_at is not None
    previous = owners.apply_update(action, by=by, rag=rag, done=done, note=note, confirmed=confirmed)
    audit.record(
        "meeting_action.updated",
        obj=action,
        meeting_id=meeting.id,
        rag=rag.value,
        previous_rag=previous.value,
        done=done,
        was_done=was_done,
        identifiers_confirmed=confirmed,
    )
    db.session.flush()
    return action


def raised_at(meeting: PartnershipMeeting) -> list[MeetingAction]:
    """The actions agreed at this meeting, soonest due first."""
    return list(
        db.session.scalars(
            select(MeetingAction)
            .where(MeetingAction.raised_at_meeting_id == meeting.id)
            .order_by(MeetingAction.due_on, MeetingAction.id)
            .options(selectinload(MeetingAction.owner_user), selectinload(MeetingAction.owner_organisation))
        )
    )


def is_carried_forward(
    *, raised_at: datetime, done_at: datetime | None, meeting_start: datetime, previous_start: datetime | None
) -> bool:
    """Whether an action shows as carried forward on a meeting starting at `meeting_start`.

    It must have been raised at an earlier meeting (`raised_at` is that meeting's start). An open action is
    carried forward to every later meeting. A done action shows once more, at the first meeting after it was
    done, so that meeting hears it is done: it is dropped once a meeting (`previous_start`, the latest
    meeting of the series before this one) has taken place after it was done."""
    if raised_at >= meeting_start:
        return False
    if done_at is None:
        return True
    return previous_start is None or done_at > previous_start


def carried_forward(meeting: PartnershipMeeting) -> list[MeetingAction]:
    """Open actions raised at earlier meetings of the locality (and those done since the last meeting),
    oldest due first."""
    previous_start = db.session.scalar(
        select(PartnershipMeeting.starts_at)
        .where(
            PartnershipMeeting.locality_id == meeting.locality_id,
            PartnershipMeeting.starts_at < meeting.starts_at,
            PartnershipMeeting.cancelled_at.is_(None),
        )
        .order_by(PartnershipMeeting.starts_at.desc())
        .limit(1)
    )
    candidates = db.session.scalars(
        select(MeetingAction)
        .join(PartnershipMeeting, MeetingAction.raised_at_meeting_id == PartnershipMeeting.id)
        .where(
            MeetingAction.locality_id == meeting.locality_id,
            PartnershipMeeting.starts_at < meeting.starts_at,
            or_(MeetingAction.done_at.is_(None), MeetingAction.done_at > (previous_start or meeting.starts_at)),
        )
        .order_by(MeetingAction.due_on, MeetingAction.id)
        .options(
            selectinload(MeetingAction.owner_user),
            selectinload(MeetingAction.owner_organisation),
            selectinload(MeetingAction.raised_at_meeting),
        )
    )
    return [
        action
        for action in candidates
        if is_carried_forward(
            raised_at=action.raised_at_meeting.starts_at,
            done_at=action.done_at,
            meeting_start=meeting.starts_at,
            previous_start=previous_start,
        )
    ]
