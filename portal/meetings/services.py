"""Services of portal.meetings: quarterly partnership meetings of a locality, their invitations and answers,
the attendance register, minutes, the action log (with open actions carried forward) and coverage.

Who may do what:

- a manager manages the meetings of their *area*: their own locality and any locality whose manager they
  are. Another locality's meeting or action is NotFound (404), so its existence does not leak;
- practitioners see their own locality's meetings; partners see the meetings of their organisation's
  locality, and a partner of an invited school answers for that school (one answer per school, the
  latest wins);
- admins see the coverage of every locality (they run the system), and nothing else here.

Like every service here: checks first, then changes, audit rows and e-mails (a link, never case
details); flush, never commit.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import url_for
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.common import audit, calendar, outbox
from portal.common.filters import format_datetime, london
from portal.common.identifiers import Finding, find_identifiers
from portal.common.periods import Period, quarter, recent_quarters
from portal.common.permissions import NotFound
from portal.common.roles import Role
from portal.common.times import ONLINE_LINK
from portal.directory.models import Locality, Organisation, OrganisationKind
from portal.extensions import db
from portal.meetings.models import MeetingAction, MeetingAnswer, MeetingInvitation, PartnershipMeeting, Rag
from portal.models_base import utcnow

LONDON = ZoneInfo("Europe/London")
LOCATION_MAX = 300
ONLINE_LINK_MAX = 500
AGENDA_MAX = 5000
MINUTES_MAX = 50000
ATTENDEES_MAX = 500
ACTION_MAX = 1000
NOTE_MAX = 1000


class MeetingError(Exception):
    """A meeting rule was broken. `field` names what was wrong, so the page can show it in place:
    "on", "starts", "ends", "location", "online_link", "agenda", "locality_id", "answer", "attendees",
    "register", "minutes", "text", "owner", "due_on", "rag", "note", or "" for the meeting as a whole."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class IdentifiersFound(MeetingError):
    """Free text (the minutes, an action, an update) looks as if it holds a child's identifiers: nothing is
    saved until they are removed or the user confirms. `findings` say what was found, to show by the field."""

    def __init__(self, findings: list[Finding], *, field: str) -> None:
        super().__init__("Remove personal details before you save", field=field)
        self.findings = findings


def check_free_text(text: str, *, field: str, confirmed: bool) -> None:
    """Raise IdentifiersFound when `text` looks as if it names or identifies a child, unless confirmed."""
    if confirmed:
        return
    findings = find_identifiers(text)
    if findings:
        raise IdentifiersFound(findings, field=field)


def london_today() -> date:
    return utcnow().astimezone(LONDON).date()


# --- who sees what --------------------------------------------------------------------------------


def area_locality_ids(user: User) -> list[int]:
    """The localities a manager manages: their own and any whose manager they are. Empty for others."""
    if user.role is not Role.MANAGER:
        return []
    ids = set(db.session.scalars(select(Locality.id).where(Locality.manager_id == user.id)))
    if user.locality_id is not None:
        ids.add(user.locality_id)
    return sorted(ids)


def _partner_locality_id(user: User) -> int | None:
    if user.organisation is not None and user.organisation.locality_id is not None:
        return user.organisation.locality_id
    return user.locality_id


def visible_locality_ids(user: User) -> list[int]:
    """The localities whose meetings `user` may see (admins: none; they only see coverage)."""
    if user.role is Role.MANAGER:
        return area_locality_ids(user)
    if user.role is Role.PRACTITIONER:
        return [user.locality_id] if user.locality_id is not None else []
    if user.role is Role.PARTNER:
        locality_id = _partner_locality_id(user)
        return [locality_id] if locality_id is not None else []
    return []


def area_localities(user: User) -> list[Locality]:
    ids = area_locality_ids(user)
    if not ids:
        return []
    return list(db.session.scalars(select(Locality).where(Locality.id.in_(ids)).order_by(Locality.name)))


def coverage_localities(user: User) -> list[Locality]:
    """Managers: their area; admins: every locality."""
    if user.role is Role.ADMIN:
        return list(db.session.scalars(select(Locality).order_by(Locality.name)))
    return area_localities(user)


def _load(meeting_id: int) -> PartnershipMeeting | None:
    return db.session.scalar(
        select(PartnershipMeeting)
        .where(PartnershipMeeting.id == meeting_id)
        .options(
            selectinload(PartnershipMeeting.invitations).selectinload(MeetingInvitation.organisation),
            selectinload(PartnershipMeeting.invitations).selectinload(MeetingInvitation.answered_by),
            selectinload(PartnershipMeeting.locality),
            selectinload(PartnershipMeeting.organiser),
        )
    )


def get_meeting(meeting_id: int, *, user: User) -> PartnershipMeeting:
    """The meeting when `user` may see it (see the module's docstring); otherwise NotFound."""
    meeting = _load(meeting_id)
    if meeting is None or meeting.locality_id not in visible_locality_ids(user):
        raise NotFound
    return meeting


def get_meeting_to_manage(meeting_id: int, *, user: User) -> PartnershipMeeting:
    """The meeting when `user` manages its locality; NotFound for anyone else."""
    meeting = _load(meeting_id)
    if meeting is None or meeting.locality_id not in area_locality_ids(user):
        raise NotFound
    return meeting


def _ensure_manager_of(user: User, meeting: PartnershipMeeting) -> None:
    if meeting.locality_id not in area_locality_ids(user):
        raise NotFound


def is_manager_of(user: User, meeting: PartnershipMeeting) -> bool:
    return meeting.locality_id in area_locality_ids(user)


@dataclass(frozen=True)
class MeetingListing:
    upcoming: list[PartnershipMeeting]
    past: list[PartnershipMeeting]
    # Managers: the localities of their area with no meeting in the current quarter yet.
    unscheduled: list[Locality]
    this_quarter: Period


def list_meetings(user: User) -> MeetingListing:
    """The meetings of the localities `user` may see: upcoming soonest first, past latest first."""
    ids = visible_locality_ids(user)
    current = quarter(london_today())
    meetings: list[PartnershipMeeting] = []
    if ids:
        meetings = list(
            db.session.scalars(
                select(PartnershipMeeting)
                .where(PartnershipMeeting.locality_id.in_(ids))
                .order_by(PartnershipMeeting.starts_at, PartnershipMeeting.id)
                .options(selectinload(PartnershipMeeting.locality))
            )
        )
    now = utcnow()
    upcoming = [m for m in meetings if m.ends_at > now]
    past = [m for m in reversed(meetings) if m.ends_at <= now]
    unscheduled: list[Locality] = []
    if user.role is Role.MANAGER:
        scheduled = {m.locality_id for m in meetings if m.quarter_start == current.start and m.cancelled_at is None}
        unscheduled = [loc for loc in area_localities(user) if loc.id not in scheduled]
    return MeetingListing(upcoming=upcoming, past=past, unscheduled=unscheduled, this_quarter=current)


def invitation_of(meeting: PartnershipMeeting, user: User) -> MeetingInvitation | None:
    """The invitation of `user`'s school, if `user` is a partner of an invited school."""
    if user.role is not Role.PARTNER or user.organisation_id is None:
        return None
    return next((i for i in meeting.invitations if i.organisation_id == user.organisation_id), None)


def invitations_by_school(meeting: PartnershipMeeting) -> list[MeetingInvitation]:
    return sorted(meeting.invitations, key=lambda i: (i.organisation.name.lower(), i.id))


# --- state and wording ----------------------------------------------------------------------------


def has_started(meeting: PartnershipMeeting, *, now: datetime | None = None) -> bool:
    return meeting.starts_at <= (now or utcnow())


def is_open(meeting: PartnershipMeeting) -> bool:
    """Not cancelled and not yet started: it can still be changed, cancelled and answered."""
    return meeting.cancelled_at is None and not has_started(meeting)


def is_held(meeting: PartnershipMeeting) -> bool:
    """Not cancelled and started: the register, minutes and actions can be recorded."""
    return meeting.cancelled_at is None and has_started(meeting)


def status_label(meeting: PartnershipMeeting) -> str:
    if meeting.cancelled_at is not None:
        return "Cancelled"
    if meeting.minutes_published_at is not None:
        return "Minutes published"
    if meeting.register_recorded_at is not None:
        return "Register recorded"
    if has_started(meeting):
        return "Taken place"
    return "Upcoming"


def when_text(meeting: PartnershipMeeting) -> str:
    """'5 January 2027 at 2pm to 3:30pm' (Europe/London)."""
    end = format_datetime(meeting.ends_at)
    if london(meeting.starts_at).date() == london(meeting.ends_at).date():
        end = end.rsplit(" at ", 1)[-1]
    return f"{format_datetime(meeting.starts_at)} to {end}"


def where_text(meeting: PartnershipMeeting) -> str:
    if meeting.location and meeting.online_link:
        return f"{meeting.location}, or online"
    return meeting.location or "Online"


def meeting_title(locality: Locality, period: Period) -> str:
    return f"{locality.name} partnership meeting, {period.label}"


def meeting_link(meeting: PartnershipMeeting) -> str:
    return url_for("meetings.meeting_page", meeting_id=meeting.id, _external=True)


# --- checks ---------------------------------------------------------------------------------------


def _check_details(starts_at: datetime, ends_at: datetime, location: str, online_link: str, agenda: str) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("meeting times must be timezone-aware")
    if starts_at <= utcnow():
        raise MeetingError("The start time must be in the future", field="starts")
    if ends_at <= starts_at:
        raise MeetingError("The end time must be after the start time", field="ends")
    if london(starts_at).date() != london(ends_at).date():
        raise MeetingError("The meeting must end on the day it starts", field="ends")
    if not location and not online_link:
        raise MeetingError("Enter a place or an online link", field="location")
    if len(location) > LOCATION_MAX:
        raise MeetingError(f"The place must be {LOCATION_MAX} characters or fewer", field="location")
    if online_link and (len(online_link) > ONLINE_LINK_MAX or not ONLINE_LINK.fullmatch(online_link)):
        raise MeetingError(
            "Enter the online link in the correct format, like https://meet.example.org/abc", field="online_link"
        )
    if len(agenda) > AGENDA_MAX:
        raise MeetingError(f"The agenda must be {AGENDA_MAX:,} characters or fewer", field="agenda")


def _quarter_taken_error(locality: Locality, period: Period) -> MeetingError:
    return MeetingError(
        f"{locality.name} already has a meeting in {period.label} ({period.long_label}). "
        "Choose a date in another quarter, or change that meeting",
        field="on",
    )


def _quarter_taken(locality: Locality, period: Period, *, other_than: int | None = None) -> None:
    existing = db.session.scalar(
        select(PartnershipMeeting).where(
            PartnershipMeeting.locality_id == locality.id,
            PartnershipMeeting.quarter_start == period.start,
            PartnershipMeeting.id != (other_than or -1),
        )
    )
    if existing is not None and existing.cancelled_at is None:
        raise _quarter_taken_error(locality, period)
    if existing is not None and other_than is not None:
        raise MeetingError(
            f"The {period.label} meeting of {locality.name} was cancelled. "
            "Schedule that quarter's meeting again instead",
            field="on",
        )


def _ensure_open(meeting: PartnershipMeeting) -> None:
    if meeting.cancelled_at is not None:
        raise MeetingError("This meeting has been cancelled")
    if has_started(meeting):
        raise MeetingError("This meeting has already started")


def _ensure_held(meeting: PartnershipMeeting) -> None:
    if meeting.cancelled_at is not None:
        raise MeetingError("This meeting was cancelled")
    if not has_started(meeting):
        raise MeetingError("You can record this once the meeting has started")


# --- scheduling, changing, cancelling -------------------------------------------------------------


def schools_of(locality_id: int) -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.locality_id == locality_id, Organisation.kind == OrganisationKind.SCHOOL)
            .order_by(Organisation.name, Organisation.id)
        )
    )


def school_contacts(organisation_ids: Iterable[int]) -> list[User]:
    """The active partner users of the given organisations: who is sent the invitations."""
    ids = list(organisation_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.PARTNER, User.disabled_at.is_(None), User.organisation_id.in_(ids))
            .order_by(User.name, User.id)
        )
    )


def schools_without_contacts(meeting: PartnershipMeeting) -> list[Organisation]:
    """The invited schools with no active partner user, by name: nobody there is e-mailed the invitation."""
    reached = {user.organisation_id for user in school_contacts(i.organisation_id for i in meeting.invitations)}
    return [i.organisation for i in invitations_by_school(meeting) if i.organisation_id not in reached]


def invitation_summary(meeting: PartnershipMeeting) -> str:
    """How many schools have been invited, and which of them nobody could be e-mailed at (no active contact),
    for the manager to follow up, e.g. "3 schools have been invited. 1 of them has no active contact in the
    portal, so nobody there has been e-mailed: Hall Orchard." """
    schools = len(meeting.invitations)
    if not schools:
        return "The locality has no schools in the portal, so no school has been invited."
    invited = "1 school has been invited." if schools == 1 else f"{schools} schools have been invited."
    missing = schools_without_contacts(meeting)
    if not missing:
        return invited
    names = ", ".join(school.name for school in missing)
    if len(missing) == schools:
        none = "It has no" if schools == 1 else "None of them has an"
        return f"{invited} {none} active contact in the portal, so nobody has been e-mailed: {names}."
    some = "1 of them has" if len(missing) == 1 else f"{len(missing)} of them have"
    return f"{invited} {some} no active contact in the portal, so nobody there has been e-mailed: {names}."


def schedule_meeting(
    *,
    by: User,
    locality_id: int,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    online_link: str,
    agenda: str,
    confirmed: bool = False,
) -> PartnershipMeeting:
    """Schedule a locality's meeting for the quarter holding its date: one per locality and quarter.
    Every school of the locality is invited, and each school's partner users get an e-mail with the
    iCalendar invitation (METHOD:REQUEST, SEQUENCE 0). Scheduling a quarter whose meeting was cancelled
    arranges that meeting again: the same UID, a higher SEQUENCE, answers and invitations afresh."""
    if locality_id not in area_locality_ids(by):
        raise MeetingError("Select a locality you manage", field="locality_id")
    locality = db.session.get(Locality, locality_id)
    if locality is None:  # pragma: no cover - area ids come from the locality table
        raise NotFound
    location, online_link, agenda = location.strip(), online_link.strip(), agenda.strip()
    _check_details(starts_at, ends_at, location, online_link, agenda)
    # The agenda is shown to every school of the locality: checked for a child's identifiers first.
    check_free_text(agenda, field="agenda", confirmed=confirmed)
    period = quarter(london(starts_at).date())
    _quarter_taken(locality, period)

    schools = schools_of(locality.id)
    meeting = db.session.scalar(
        select(PartnershipMeeting).where(
            PartnershipMeeting.locality_id == locality.id, PartnershipMeeting.quarter_start == period.start
        )
    )
    again = meeting is not None
    # Another manager may schedule the same quarter at the same moment: both pass the check above. The
    # second is told what the check would have told them, never shown an error page: a new meeting is
    # inserted in a savepoint, which UNIQUE(locality, quarter) refuses for the second (only the savepoint is
    # undone); a cancelled one is taken back with one conditional UPDATE, which only one of them can make.
    try:
        with db.session.begin_nested():
            if meeting is None:
                meeting = PartnershipMeeting(locality_id=locality.id, quarter_start=period.start, sequence=0)
                meeting.locality = locality
                db.session.add(meeting)
            else:
                if not _reopen_cancelled(meeting):
                    raise _quarter_taken_error(locality, period)
                meeting.invitations.clear()
                db.session.flush()  # the old invitations go before the new ones (one per school)
            meeting.title = meeting_title(locality, period)
            meeting.starts_at, meeting.ends_at = starts_at, ends_at
            meeting.location, meeting.online_link, meeting.agenda = location, online_link, agenda
            meeting.organiser_id = by.id
            meeting.organiser = by
            for school in schools:
                meeting.invitations.append(MeetingInvitation(organisation_id=school.id, organisation=school))
            db.session.flush()  # the UID is made from the id
    except IntegrityError:
        _quarter_taken(locality, period)  # another manager's meeting got there first: say so, as the check does
        raise  # not that: a fault, not a rule
    audit.record(
        "meeting.scheduled",
        obj=meeting,
        locality_id=locality.id,
        quarter=period.key,
        schools=len(meeting.invitations),
        sequence=meeting.sequence,
        again=again,
        identifiers_confirmed=confirmed,
    )
    _send_calendar(meeting, "REQUEST", what="You are invited to the locality's partnership meeting.")
    db.session.flush()
    return meeting


def _reopen_cancelled(meeting: PartnershipMeeting) -> bool:
    """Un-cancel the meeting and raise its SEQUENCE, only if it is still cancelled: True if this call did."""
    result = db.session.execute(
        update(PartnershipMeeting)
        .where(PartnershipMeeting.id == meeting.id, PartnershipMeeting.cancelled_at.is_not(None))
        .values(cancelled_at=None, sequence=PartnershipMeeting.sequence + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(meeting, ["cancelled_at", "sequence"])
    return bool(getattr(result, "rowcount", 0))


def change_meeting(
    meeting: PartnershipMeeting,
    *,
    by: User,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    online_link: str,
    agenda: str,
    confirmed: bool = False,
) -> PartnershipMeeting:
    """Move the meeting or change where it is or its agenda: the same UID with SEQUENCE + 1, sent again to
    every school contact. A new time asks the schools to answer again."""
    _ensure_manager_of(by, meeting)
    _ensure_open(meeting)
    location, online_link, agenda = location.strip(), online_link.strip(), agenda.strip()
    _check_details(starts_at, ends_at, location, online_link, agenda)
    if (starts_at, ends_at, location, online_link, agenda) == (
        meeting.starts_at,
        meeting.ends_at,
        meeting.location,
        meeting.online_link,
        meeting.agenda,
    ):
        raise MeetingError("Change the time, the place or the agenda, or go back without saving", field="on")
    if agenda != meeting.agenda:
        check_free_text(agenda, field="agenda", confirmed=confirmed)
    period = quarter(london(starts_at).date())
    if period.start != meeting.quarter_start:
        _quarter_taken(meeting.locality, period, other_than=meeting.id)
        meeting.quarter_start = period.start
        meeting.title = meeting_title(meeting.locality, period)
    moved = (starts_at, ends_at) != (meeting.starts_at, meeting.ends_at)
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.location, meeting.online_link, meeting.agenda = location, online_link, agenda
    meeting.sequence += 1
    if moved:
        # The old answer no longer stands, nor who was coming and who said so (the staff table would show them).
        for invitation in meeting.invitations:
            invitation.answer = MeetingAnswer.NOT_ANSWERED
            invitation.attendees = ""
            invitation.answered_by_id = None
            invitation.answered_by = None
            invitation.answered_at = None
    audit.record(
        "meeting.changed",
        obj=meeting,
        sequence=meeting.sequence,
        moved=moved,
        quarter=period.key,
        identifiers_confirmed=confirmed,
    )
    _send_calendar(
        meeting,
        "REQUEST",
        what="The partnership meeting has changed."
        + (" Please answer again for your school." if moved else " Your school's answer still stands."),
        subject="Changed",
    )
    db.session.flush()
    return meeting


def cancel_meeting(meeting: PartnershipMeeting, *, by: User) -> PartnershipMeeting:
    """Call the meeting off: METHOD:CANCEL, the same UID, SEQUENCE + 1. The quarter can be scheduled again."""
    _ensure_manager_of(by, meeting)
    _ensure_open(meeting)
    meeting.sequence += 1
    meeting.cancelled_at = utcnow()
    audit.record("meeting.cancelled", obj=meeting, sequence=meeting.sequence)
    _send_calendar(meeting, "CANCEL", what="The partnership meeting is cancelled.", subject="Cancelled")
    db.session.flush()
    return meeting


# --- answers, register, minutes -------------------------------------------------------------------


def answer_invitation(
    meeting: PartnershipMeeting, *, by: User, answer: MeetingAnswer, attendees: str
) -> MeetingInvitation:
    """A partner of an invited school answers for the school: attending (and who will come) or not.
    One answer per school: the latest wins, whoever at the school gives it. NotFound for anyone else."""
    invitation = invitation_of(meeting, by)
    if invitation is None or meeting.locality_id not in visible_locality_ids(by):
        raise NotFound
    _ensure_open(meeting)
    attendees = " ".join(attendees.split())
    if answer is MeetingAnswer.NOT_ANSWERED:
        raise MeetingError("Select whether your school will attend", field="answer")
    if answer is MeetingAnswer.ATTENDING and not attendees:
        raise MeetingError("Enter who will come from your school", field="attendees")
    if len(attendees) > ATTENDEES_MAX:
        raise MeetingError(f"Who will come must be {ATTENDEES_MAX} characters or fewer", field="attendees")
    previous = invitation.answer
    invitation.answer = answer
    invitation.attendees = attendees if answer is MeetingAnswer.ATTENDING else ""
    invitation.answered_by_id = by.id
    invitation.answered_by = by
    invitation.answered_at = utcnow()
    audit.record(
        "meeting.answered",
        obj=meeting,
        invitation_id=invitation.id,
        organisation_id=invitation.organisation_id,
        answer=answer.value,
        previous=previous.value,
    )
    db.session.flush()
    return invitation


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
    _ensure_manager_of(by, meeting)
    _ensure_held(meeting)
    invited = {i.id for i in meeting.invitations}
    if set(entries) != invited:
        raise MeetingError("Say for every school whether it was represented", field="register")
    for invitation in meeting.invitations:
        entry = entries[invitation.id]
        who = " ".join(entry.by_whom.split())
        if entry.represented and not who:
            raise MeetingError(f"Enter who represented {invitation.organisation.name}", field=f"by_{invitation.id}")
        if len(who) > ATTENDEES_MAX:
            raise MeetingError(f"Who came must be {ATTENDEES_MAX} characters or fewer", field=f"by_{invitation.id}")
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
    _ensure_manager_of(by, meeting)
    _ensure_held(meeting)
    minutes = minutes.strip()
    if not minutes:
        raise MeetingError("Enter the minutes", field="minutes")
    if len(minutes) > MINUTES_MAX:
        raise MeetingError(f"The minutes must be {MINUTES_MAX:,} characters or fewer", field="minutes")
    first_publication = publish and meeting.minutes_published_at is None
    if minutes != meeting.minutes or first_publication:
        check_free_text(minutes, field="minutes", confirmed=confirmed)
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


def owner_choices(locality_id: int) -> list[tuple[str, str]]:
    """Who may own an action of the locality: its active staff ("user:<id>") and its partner organisations
    ("organisation:<id>"), staff first."""
    staff = db.session.scalars(
        select(User)
        .where(
            User.locality_id == locality_id,
            User.role.in_([Role.PRACTITIONER, Role.MANAGER]),
            User.disabled_at.is_(None),
        )
        .order_by(User.name, User.id)
    )
    orgs = db.session.scalars(
        select(Organisation).where(Organisation.locality_id == locality_id).order_by(Organisation.name, Organisation.id)
    )
    choices = [(f"user:{u.id}", f"{u.name}, {u.job_title}" if u.job_title else u.name) for u in staff]
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
    """Log an action agreed at the meeting: the action, its owner (a member of the locality's staff or one
    of its partner organisations), the due date and RAG status. It stays open, carried forward to every
    later meeting of the locality, until it is marked done. Partners of the locality read the action log, so
    the text is checked for a child's identifiers first (IdentifiersFound, unless `confirmed`)."""
    _ensure_manager_of(by, meeting)
    _ensure_held(meeting)
    text = text.strip()
    if not text:
        raise MeetingError("Enter the action", field="text")
    if len(text) > ACTION_MAX:
        raise MeetingError(f"The action must be {ACTION_MAX:,} characters or fewer", field="text")
    parsed = parse_owner(owner)
    if parsed is None or owner not in {value for value, _ in owner_choices(meeting.locality_id)}:
        raise MeetingError("Select who owns the action", field="owner")
    check_free_text(text, field="text", confirmed=confirmed)
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
    _ensure_manager_of(user, meeting)
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
    """Change an action's RAG status, mark it done (or open again), and note progress. A new or changed note
    is checked for a child's identifiers first (IdentifiersFound, unless `confirmed`); one saved before is not
    asked about again."""
    _ensure_manager_of(by, meeting)
    if action.locality_id != meeting.locality_id:
        raise NotFound
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise MeetingError(f"The update must be {NOTE_MAX:,} characters or fewer", field="note")
    was_done = action.done_at is not None
    if (rag, done, note) == (action.rag, was_done, action.update_note):
        raise MeetingError("Change the RAG status, whether it is done or the update, or go back", field="rag")
    if note != action.update_note:
        check_free_text(note, field="note", confirmed=confirmed)
    previous = action.rag
    action.rag = rag
    action.update_note = note
    if done and not was_done:
        action.done_at = utcnow()
    elif not done:
        action.done_at = None
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


def rag_sort_key(action: MeetingAction) -> tuple[int, date, int]:
    return ({Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}[action.rag], action.due_on, action.id)


# --- coverage -------------------------------------------------------------------------------------


class CoverageStatus(enum.StrEnum):
    REPRESENTED = "represented"
    NOT_REPRESENTED = "not_represented"
    NO_MEETING = "no_meeting"

    @property
    def label(self) -> str:
        return {
            "represented": "Represented",
            "not_represented": "Not represented",
            "no_meeting": "No meeting held",
        }[self.value]


@dataclass(frozen=True)
class CoverageRow:
    """One school: its status in each quarter (in the order of `LocalityCoverage.quarters`) and how many of
    those quarters it was not represented at a meeting held."""

    school_id: int
    school_name: str
    statuses: tuple[CoverageStatus, ...]
    missed: int

    @property
    def flagged(self) -> bool:
        """Not represented for two quarters or more: listed first."""
        return self.missed >= 2


@dataclass(frozen=True)
class LocalityCoverage:
    """Schools × quarters for one locality.

    - `quarters`: the periods asked for, oldest first (the columns);
    - `held`: for each quarter, whether a meeting was held (a meeting not cancelled whose register has been
      recorded; until the register is recorded the quarter counts as no meeting held);
    - `rows`: one per current school of the locality, the flagged ones (not represented in two or more
      quarters) first, most missed first, then by name;
    - `represented_counts`: per quarter, how many schools were represented.
    """

    locality_id: int
    locality_name: str
    quarters: tuple[Period, ...]
    held: tuple[bool, ...]
    rows: tuple[CoverageRow, ...]
    represented_counts: tuple[int, ...]

    @property
    def flagged(self) -> tuple[CoverageRow, ...]:
        return tuple(row for row in self.rows if row.flagged)

    @property
    def summary(self) -> str:
        """A plain sentence for the page and for reports."""
        held = sum(self.held)
        schools = len(self.rows)
        if not schools:
            return "There are no schools in this locality."
        if not held:
            return f"No meeting with a recorded register was held in these {len(self.quarters)} quarters."
        flagged = self.flagged
        meetings = "1 meeting" if held == 1 else f"{held} meetings"
        if not flagged:
            return f"{meetings} held. No school was missing from more than one of them."
        names = ", ".join(row.school_name for row in flagged)
        count = "1 school was" if len(flagged) == 1 else f"{len(flagged)} of {schools} schools were"
        return f"{meetings} held. {count} not represented at two or more: {names}."


def build_coverage(
    *,
    locality_id: int,
    locality_name: str,
    schools: Sequence[tuple[int, str]],
    quarters: Sequence[Period],
    represented: Mapping[date, set[int] | None],
) -> LocalityCoverage:
    """The grid from plain data (pure: no database). `schools` are (id, name); `represented` maps a quarter's
    start to the ids of the schools represented at its meeting, or None (or no key) when none was held."""
    held = tuple(represented.get(period.start) is not None for period in quarters)
    rows = []
    for school_id, name in schools:
        statuses = []
        for period in quarters:
            present = represented.get(period.start)
            if present is None:
                statuses.append(CoverageStatus.NO_MEETING)
            elif school_id in present:
                statuses.append(CoverageStatus.REPRESENTED)
            else:
                statuses.append(CoverageStatus.NOT_REPRESENTED)
        missed = statuses.count(CoverageStatus.NOT_REPRESENTED)
        rows.append(CoverageRow(school_id, name, tuple(statuses), missed))
    rows.sort(key=lambda r: (not r.flagged, -r.missed if r.flagged else 0, r.school_name.lower(), r.school_id))
    counts = tuple(
        sum(1 for row in rows if row.statuses[index] is CoverageStatus.REPRESENTED) for index in range(len(quarters))
    )
    return LocalityCoverage(locality_id, locality_name, tuple(quarters), held, tuple(rows), counts)


def coverages(localities: Sequence[Locality], quarters: Sequence[Period]) -> list[LocalityCoverage]:
    """Schools × `quarters` for each locality, in the order given: represented / not represented / no meeting
    held (see LocalityCoverage for the shape). The current schools of a locality are its rows; a school that
    was not invited to a meeting held counts as not represented. No permission check: callers check.

    The same few queries however many localities there are (admins see them all)."""
    ids = [locality.id for locality in localities]
    if not ids:
        return []
    starts = [period.start for period in quarters]
    meetings = db.session.scalars(
        select(PartnershipMeeting)
        .where(
            PartnershipMeeting.locality_id.in_(ids),
            PartnershipMeeting.quarter_start.in_(starts),
            PartnershipMeeting.cancelled_at.is_(None),
            PartnershipMeeting.register_recorded_at.is_not(None),
        )
        .options(selectinload(PartnershipMeeting.invitations))
    )
    represented: dict[int, dict[date, set[int] | None]] = {locality_id: {} for locality_id in ids}
    for m in meetings:
        represented[m.locality_id][m.quarter_start] = {i.organisation_id for i in m.invitations if i.represented}
    schools: dict[int, list[tuple[int, str]]] = {locality_id: [] for locality_id in ids}
    for school_id, name, locality_id in db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.locality_id)
        .where(Organisation.locality_id.in_(ids), Organisation.kind == OrganisationKind.SCHOOL)
        .order_by(Organisation.name, Organisation.id)
    ):
        schools[locality_id].append((school_id, name))
    return [
        build_coverage(
            locality_id=locality.id,
            locality_name=locality.name,
            schools=schools[locality.id],
            quarters=quarters,
            represented=represented[locality.id],
        )
        for locality in localities
    ]


def coverage(locality_id: int, quarters: Sequence[Period]) -> LocalityCoverage:
    """The coverage of one locality (see `coverages`); NotFound when there is no such locality."""
    locality = db.session.get(Locality, locality_id)
    if locality is None:
        raise NotFound
    [grid] = coverages([locality], quarters)
    return grid


def coverage_for(user: User, *, today: date | None = None) -> list[LocalityCoverage]:
    """The coverage of every locality `user` may see (managers: their area; admins: all), over the last four
    quarters including the current one."""
    quarters = recent_quarters(today or london_today(), 4)
    return coverages(coverage_localities(user), quarters)


# --- e-mail ---------------------------------------------------------------------------------------


def calendar_event(meeting: PartnershipMeeting, *, contact: User) -> calendar.CalendarEvent:
    """The meeting as the calendar file sent to `contact` describes it. The only attendee is `contact`: one
    file listing every school's contacts would give each of them everyone else's e-mail address. The UID and
    SEQUENCE are the meeting's, the same in every contact's file."""
    description = f"The quarterly partnership meeting of {meeting.locality.name}: schools and the locality team."
    if meeting.online_link:
        description += f"\n\nJoin online: {meeting.online_link}"
    if meeting.cancelled_at is None:
        description += "\n\nAnswer for your school in the portal: your calendar's Accept and Decline do not reach it."
    return calendar.CalendarEvent(
        uid=meeting.uid,
        sequence=meeting.sequence,
        summary=meeting.title,
        start=meeting.starts_at,
        end=meeting.ends_at,
        location=meeting.location or meeting.online_link,
        url=meeting_link(meeting),
        organizer_email=meeting.organiser.email,
        organizer_name=meeting.organiser.name,
        attendees=(calendar.Attendee(email=contact.email, name=contact.name),),
        description=description,
    )


def _send_calendar(meeting: PartnershipMeeting, method: calendar.Method, *, what: str, subject: str = "") -> None:
    """One e-mail per contact of each invited school, each with its own calendar file (see calendar_event)."""
    build = calendar.build_request if method == "REQUEST" else calendar.build_cancel
    contacts = school_contacts(i.organisation_id for i in meeting.invitations)
    heading = f"{subject}: {meeting.title}" if subject else f"Invitation: {meeting.title}"
    for contact in contacts:
        ics = build(calendar_event(meeting, contact=contact))
        attachment = outbox.Attachment(calendar.ICS_FILENAME, calendar.content_type(method), ics)
        outbox.enqueue(
            to=contact.email,
            subject=heading,
            template="emails/meeting_invitation.txt",
            attachments=[attachment],
            name=contact.name,
            what=what,
            title=meeting.title,
            when=when_text(meeting),
            where=where_text(meeting),
            online_link=meeting.online_link,
            cancelled=method == "CANCEL",
            link=meeting_link(meeting),
        )
