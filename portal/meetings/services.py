"""Services of portal.meetings: quarterly partnership meetings of a locality. Who may see and do what, reading,
scheduling, changing and cancelling a meeting with its iCalendar invitations, and the schools' answers.

The register, minutes and action log of a meeting held are in `portal.meetings.record`, coverage in
`portal.meetings.coverage`; both use the access rules here (`ensure_manager_of`).

Who may do what:

- a manager manages the meetings of the localities they manage (portal.access: their own locality and any
  locality whose manager they are). Another locality's meeting or action is NotFound (404), so its
  existence does not leak;
- staff see the meetings of the localities they work for; partners those of their locality (portal.access
  decides both), and a partner of an invited school answers for that school (one answer per school, the
  latest wins);
- admins see the coverage of every locality (they run the system), and nothing else of the meetings.

Like every service here: checks first, then changes, audit rows and e-mails (a link, never case
details); flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import access
from portal.accounts.models import User
from portal.common import audit, calendar, outbox
from portal.common.errors import DomainError
from portal.common.identifiers import check_free_text
from portal.common.links import public_url_for
from portal.common.periods import Period, PeriodKind, quarter
from portal.common.permissions import NotFound
from portal.common.roles import Role
from portal.common.times import ONLINE_LINK, london, london_today, when_text, where_text
from portal.directory.models import Locality, Organisation, OrganisationKind
from portal.extensions import db
from portal.meetings.models import MeetingAnswer, MeetingInvitation, MeetingType, PartnershipMeeting
from portal.meetings.types import agency_choices, invitees_of, person_choices
from portal.models_base import utcnow

LOCATION_MAX = 300
ONLINE_LINK_MAX = 500
AGENDA_MAX = 5000
ATTENDEES_MAX = 500


# --- who sees what --------------------------------------------------------------------------------


def visible_locality_ids(user: User) -> list[int]:
    """The localities whose meetings `user` may see: their own (portal.access.own_locality_ids)."""
    return access.own_locality_ids(user, on=london_today())


def _load(meeting_id: int) -> PartnershipMeeting | None:
    return db.session.scalar(
        select(PartnershipMeeting)
        .where(PartnershipMeeting.id == meeting_id)
        .options(
            selectinload(PartnershipMeeting.invitations).selectinload(MeetingInvitation.organisation),
            selectinload(PartnershipMeeting.invitations).selectinload(MeetingInvitation.answered_by),
            selectinload(PartnershipMeeting.invitations).selectinload(MeetingInvitation.user),
            selectinload(PartnershipMeeting.locality),
            selectinload(PartnershipMeeting.organiser),
            selectinload(PartnershipMeeting.meeting_type),
        )
    )


def _invited_meeting_ids(user: User) -> Select[tuple[int]]:
    """The meetings a partner's organisation, or the partner by name, is invited to, as a subquery (none for
    staff)."""
    mi = MeetingInvitation
    return select(mi.meeting_id).where(
        or_(
            and_(mi.user_id.is_(None), mi.organisation_id.in_(access.partner_organisation_ids(user))),
            mi.user_id == user.id,
        )
    )


def may_see(user: User, meeting: PartnershipMeeting) -> bool:
    """A meeting of the person's own localities, or (partners) one their organisation or they by name are
    invited to: a police unit or health team serves several localities, and is invited to their multi-agency
    meetings."""
    if meeting.locality_id in visible_locality_ids(user):
        return True
    return invitation_of(meeting, user) is not None


def get_meeting(meeting_id: int, *, user: User) -> PartnershipMeeting:
    """The meeting when `user` may see it (see the module's docstring); otherwise NotFound."""
    meeting = _load(meeting_id)
    if meeting is None or not may_see(user, meeting):
        raise NotFound
    return meeting


def get_meeting_to_manage(meeting_id: int, *, user: User) -> PartnershipMeeting:
    """The meeting when `user` manages its locality; NotFound for anyone else."""
    meeting = _load(meeting_id)
    if meeting is None or not access.manages(user, meeting.locality_id):
        raise NotFound
    return meeting


def ensure_manager_of(user: User, meeting: PartnershipMeeting) -> None:
    if not access.manages(user, meeting.locality_id):
        raise NotFound


def is_manager_of(user: User, meeting: PartnershipMeeting) -> bool:
    return access.manages(user, meeting.locality_id)


@dataclass(frozen=True)
class MeetingFilters:
    """The list's filters from the URL: a locality and a quarter (its key, e.g. 2026-Q3). Unknown or
    malformed values count as not chosen."""

    locality_id: int | None = None
    quarter: Period | None = None

    @property
    def is_default(self) -> bool:
        return self == MeetingFilters()

    def as_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {}
        if self.locality_id is not None:
            args["locality"] = str(self.locality_id)
        if self.quarter is not None:
            args["quarter"] = self.quarter.key
        return args


def parse_filters(args: Any) -> MeetingFilters:
    locality = str(args.get("locality", ""))
    try:
        chosen: Period | None = Period.parse(str(args.get("quarter", "")))
    except ValueError:
        chosen = None
    return MeetingFilters(
        locality_id=int(locality) if locality.isascii() and locality.isdigit() and len(locality) <= 9 else None,
        quarter=chosen if chosen is not None and chosen.kind is PeriodKind.QUARTER else None,
    )


@dataclass(frozen=True)
class MeetingListing:
    upcoming: list[PartnershipMeeting]
    past: list[PartnershipMeeting]
    # Managers: the localities of their area with no meeting in the current quarter yet.
    unscheduled: list[Locality]
    this_quarter: Period
    # The filters' choices: the localities the person may see, and the quarters their meetings are in.
    localities: list[Locality] = field(default_factory=list)
    quarters: list[Period] = field(default_factory=list)


def list_meetings(user: User, filters: MeetingFilters | None = None) -> MeetingListing:
    """The meetings of the localities `user` may see, narrowed by `filters`: upcoming soonest first, past latest
    first."""
    f = filters or MeetingFilters()
    ids = visible_locality_ids(user)
    current = quarter(london_today())
    meetings: list[PartnershipMeeting] = []
    quarters: list[Period] = []
    localities: list[Locality] = []
    m = PartnershipMeeting
    if ids or user.role is Role.PARTNER:
        # Their localities' meetings, and (partners) those their organisation is invited to elsewhere.
        seen = or_(m.locality_id.in_(ids), m.id.in_(_invited_meeting_ids(user)))
        conditions: list[ColumnElement[bool]] = [seen]
        if f.locality_id is not None:
            conditions.append(m.locality_id == f.locality_id)
        if f.quarter is not None:
            conditions.append(m.quarter_start == f.quarter.start)
        meetings = list(
            db.session.scalars(
                select(m).where(*conditions).order_by(m.starts_at, m.id).options(selectinload(m.locality))
            )
        )
        starts = db.session.scalars(select(m.quarter_start).where(seen).distinct().order_by(m.quarter_start.desc()))
        quarters = [quarter(start) for start in starts]
        localities = list(db.session.scalars(select(Locality).where(Locality.id.in_(ids)).order_by(Locality.name)))
    now = utcnow()
    upcoming = [m for m in meetings if m.ends_at > now]
    past = [m for m in reversed(meetings) if m.ends_at <= now]
    unscheduled: list[Locality] = []
    if user.role is Role.MANAGER and f.is_default:
        scheduled = {
            m.locality_id
            for m in meetings
            if m.quarter_start == current.start and m.cancelled_at is None and m.meeting_type_id is None
        }
        unscheduled = [loc for loc in access.managed_localities(user) if loc.id not in scheduled]
    return MeetingListing(upcoming, past, unscheduled, current, localities, quarters)


def _answers_for(invitation: MeetingInvitation, user: User) -> bool:
    """`user` answers this invitation: it names them, or it is their organisation's (a partner of it)."""
    if invitation.user_id is not None:
        return invitation.user_id == user.id and user.role is Role.PARTNER
    return access.is_partner_of(user, invitation.organisation_id)


def invitation_of(meeting: PartnershipMeeting, user: User) -> MeetingInvitation | None:
    """The invitation `user` answers: theirs by name first, else their organisation's (a partner of an invited
    organisation answers for it); None when neither is invited."""
    mine = [i for i in meeting.invitations if _answers_for(i, user)]
    return next((i for i in mine if i.user_id is not None), mine[0] if mine else None)


def invitations_by_school(meeting: PartnershipMeeting) -> list[MeetingInvitation]:
    """By organisation name; the people invited by name after their organisation's own invitation."""
    return sorted(
        meeting.invitations,
        key=lambda i: (i.organisation.name.lower(), i.user is not None, i.user.name.lower() if i.user else "", i.id),
    )


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


def meeting_title(locality: Locality, period: Period, meeting_type: MeetingType | None = None) -> str:
    if meeting_type is None:
        return f"{locality.name} partnership meeting, {period.label}"
    return f"{locality.name} {meeting_type.name[:1].lower()}{meeting_type.name[1:]}, {period.label}"


YOURS_BY_KIND = {
    OrganisationKind.SCHOOL: "your school",
    OrganisationKind.HEALTH: "your team",
    OrganisationKind.POLICE: "your unit",
    OrganisationKind.EARLY_YEARS: "your setting",
}


def yours(kind: OrganisationKind | None) -> str:
    """How an invitation names whom the reader answers for: "your school", "your team" (health), "your unit"
    (police), "your setting" (early years), else "your organisation"."""
    return YOURS_BY_KIND.get(kind, "your organisation") if kind is not None else "your organisation"


def meeting_link(meeting: PartnershipMeeting) -> str:
    return public_url_for("meetings.meeting_page", meeting_id=meeting.id)


# --- checks ---------------------------------------------------------------------------------------


def _check_details(starts_at: datetime, ends_at: datetime, location: str, online_link: str, agenda: str) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("meeting times must be timezone-aware")
    if starts_at <= utcnow():
        raise DomainError("The start time must be in the future", field="starts")
    if ends_at <= starts_at:
        raise DomainError("The end time must be after the start time", field="ends")
    if london(starts_at).date() != london(ends_at).date():
        raise DomainError("The meeting must end on the day it starts", field="ends")
    if not location and not online_link:
        raise DomainError("Enter a place or an online link", field="location")
    if len(location) > LOCATION_MAX:
        raise DomainError(f"The place must be {LOCATION_MAX} characters or fewer", field="location")
    if online_link and (len(online_link) > ONLINE_LINK_MAX or not ONLINE_LINK.fullmatch(online_link)):
        raise DomainError(
            "Enter the online link in the correct format, like https://meet.example.org/abc", field="online_link"
        )
    if len(agenda) > AGENDA_MAX:
        raise DomainError(f"The agenda must be {AGENDA_MAX:,} characters or fewer", field="agenda")


def _quarter_taken_error(locality: Locality, period: Period, meeting_type: MeetingType | None = None) -> DomainError:
    what = "a meeting" if meeting_type is None else f"a {meeting_type.name[:1].lower()}{meeting_type.name[1:]}"
    return DomainError(
        f"{locality.name} already has {what} in {period.label} ({period.long_label}). "
        "Choose a date in another quarter, or change that meeting",
        field="on",
    )


def _series(meeting_type_id: int | None) -> ColumnElement[bool]:
    """A condition on PartnershipMeeting: of the series (the school partnership meeting when None)."""
    if meeting_type_id is None:
        return PartnershipMeeting.meeting_type_id.is_(None)
    return PartnershipMeeting.meeting_type_id == meeting_type_id


def _quarter_taken(
    locality: Locality,
    period: Period,
    *,
    other_than: int | None = None,
    meeting_type: MeetingType | None = None,
) -> None:
    existing = db.session.scalar(
        select(PartnershipMeeting).where(
            PartnershipMeeting.locality_id == locality.id,
            PartnershipMeeting.quarter_start == period.start,
            _series(meeting_type.id if meeting_type else None),
            PartnershipMeeting.id != (other_than or -1),
        )
    )
    if existing is not None and existing.cancelled_at is None:
        raise _quarter_taken_error(locality, period, meeting_type)
    if existing is not None and other_than is not None:
        raise DomainError(
            f"The {period.label} meeting of {locality.name} was cancelled. "
            "Schedule that quarter's meeting again instead",
            field="on",
        )


def _ensure_open(meeting: PartnershipMeeting) -> None:
    if meeting.cancelled_at is not None:
        raise DomainError("This meeting has been cancelled")
    if has_started(meeting):
        raise DomainError("This meeting has already started")


# --- scheduling, changing, cancelling -------------------------------------------------------------


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


def _organisation_invitations(meeting: PartnershipMeeting) -> list[MeetingInvitation]:
    return [i for i in meeting.invitations if i.user_id is None]


def meeting_contacts(meeting: PartnershipMeeting) -> list[User]:
    """Who is sent the meeting's e-mails: the active partner users of the invited organisations and the people
    invited by name (while their account is active), each once, by name."""
    contacts = {u.id: u for u in school_contacts(i.organisation_id for i in _organisation_invitations(meeting))}
    for invitation in meeting.invitations:
        person = invitation.user
        if person is not None and person.disabled_at is None:
            contacts[person.id] = person
    return sorted(contacts.values(), key=lambda u: (u.name, u.id))


def schools_without_contacts(meeting: PartnershipMeeting) -> list[Organisation]:
    """The invited organisations with no active partner user, by name: nobody there is e-mailed the invitation."""
    invited = _organisation_invitations(meeting)
    reached = {user.organisation_id for user in school_contacts(i.organisation_id for i in invited)}
    return [
        i.organisation for i in invitations_by_school(meeting) if i.user_id is None and i.organisation_id not in reached
    ]


def invitation_summary(meeting: PartnershipMeeting) -> str:
    """How many schools have been invited, and which of them nobody could be e-mailed at (no active contact),
    for the manager to follow up, e.g. "3 schools have been invited. 1 of them has no active contact in the
    portal, so nobody there has been e-mailed: Hall Orchard.", then how many people were invited by name."""
    people = sum(1 for i in meeting.invitations if i.user_id is not None)
    by_name = (
        "" if not people else (" 1 person has" if people == 1 else f" {people} people have") + " been invited by name."
    )
    return _organisation_summary(meeting) + by_name


def _organisation_summary(meeting: PartnershipMeeting) -> str:
    schools = len(_organisation_invitations(meeting))
    if meeting.meeting_type_id is not None:
        if not schools:
            return "No organisation has been invited: the locality has none of the kinds this meeting invites."
        invited = "1 organisation has been invited." if schools == 1 else f"{schools} organisations have been invited."
    elif not schools:
        return "The locality has no schools in the portal, so no school has been invited."
    else:
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
    meeting_type_id: int | None = None,
    also_invite: Iterable[int] = (),
    also_invite_people: Iterable[int] = (),
) -> PartnershipMeeting:
    """Schedule a locality's meeting of a series (the school partnership meeting, or a MeetingType) for the
    quarter holding its date: one per locality, series and quarter. The series' invitees (`invitees_of`) and
    the agencies of `also_invite` and the people of `also_invite_people` (any active partner account, by name)
    are invited, and each one's partner users (and each person) get an e-mail with the
    iCalendar invitation (METHOD:REQUEST, SEQUENCE 0). Scheduling a quarter whose meeting was cancelled
    arranges that meeting again: the same UID, a higher SEQUENCE, answers and invitations afresh."""
    if not access.manages(by, locality_id):
        raise DomainError("Select a locality you manage", field="locality_id")
    locality = db.session.get(Locality, locality_id)
    if locality is None:  # pragma: no cover - area ids come from the locality table
        raise NotFound
    meeting_type = db.session.get(MeetingType, meeting_type_id) if meeting_type_id is not None else None
    if meeting_type_id is not None and meeting_type is None:
        raise DomainError("Select the kind of meeting", field="meeting_type")
    extra_ids = set(also_invite)
    agencies = {agency_id for agency_id, _ in agency_choices()}
    if not extra_ids <= agencies:
        raise DomainError("Select agencies from the list", field="also_invite")
    people_ids = set(also_invite_people)
    if not people_ids <= {person_id for person_id, _ in person_choices()}:
        raise DomainError("Select people from the list", field="also_invite_people")
    location, online_link, agenda = location.strip(), online_link.strip(), agenda.strip()
    _check_details(starts_at, ends_at, location, online_link, agenda)
    # The agenda is shown to every school of the locality: checked for a child's identifiers first.
    check_free_text(agenda=agenda, confirmed=confirmed)
    period = quarter(london(starts_at).date())
    _quarter_taken(locality, period, meeting_type=meeting_type)

    schools = invitees_of(locality.id, meeting_type)
    schools += [
        org
        for org in db.session.scalars(
            select(Organisation).where(Organisation.id.in_(extra_ids)).order_by(Organisation.id)
        )
        if org.id not in {s.id for s in schools}
    ]
    people = list(db.session.scalars(select(User).where(User.id.in_(people_ids)).order_by(User.name, User.id)))
    meeting = db.session.scalar(
        select(PartnershipMeeting).where(
            PartnershipMeeting.locality_id == locality.id,
            PartnershipMeeting.quarter_start == period.start,
            _series(meeting_type_id),
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
                meeting = PartnershipMeeting(
                    locality_id=locality.id, quarter_start=period.start, sequence=0, meeting_type_id=meeting_type_id
                )
                meeting.locality = locality
                meeting.meeting_type = meeting_type
                db.session.add(meeting)
            else:
                if not _reopen_cancelled(meeting):
                    raise _quarter_taken_error(locality, period, meeting_type)
                meeting.invitations.clear()
                db.session.flush()  # the old invitations go before the new ones (one per school)
            meeting.title = meeting_title(locality, period, meeting_type)
            meeting.starts_at, meeting.ends_at = starts_at, ends_at
            meeting.location, meeting.online_link, meeting.agenda = location, online_link, agenda
            meeting.organiser_id = by.id
            meeting.organiser = by
            for school in schools:
                meeting.invitations.append(MeetingInvitation(organisation_id=school.id, organisation=school))
            for person in people:
                assert person.organisation is not None  # noqa: S101 (person_choices offers partners of an organisation)
                meeting.invitations.append(
                    MeetingInvitation(
                        organisation_id=person.organisation.id,
                        organisation=person.organisation,
                        user_id=person.id,
                        user=person,
                    )
                )
            db.session.flush()  # the UID is made from the id
    except IntegrityError:
        _quarter_taken(
            locality, period, meeting_type=meeting_type
        )  # another manager's meeting got there first: say so, as the check does
        raise  # not that: a fault, not a rule
    audit.record(
        "meeting.scheduled",
        obj=meeting,
        locality_id=locality.id,
        quarter=period.key,
        meeting_type_id=meeting_type_id,
        schools=len(meeting.invitations) - len(people),
        people=len(people),
        sequence=meeting.sequence,
        again=again,
        identifiers_confirmed=confirmed,
    )
    _send_calendar(
        meeting,
        "REQUEST",
        what="You are invited to the locality's partnership meeting."
        if meeting_type is None
        else f"You are invited to the locality's {meeting.type_name[:1].lower()}{meeting.type_name[1:]}.",
    )
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
    ensure_manager_of(by, meeting)
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
        raise DomainError("Change the time, the place or the agenda, or go back without saving", field="on")
    if agenda != meeting.agenda:
        check_free_text(agenda=agenda, confirmed=confirmed)
    period = quarter(london(starts_at).date())
    if period.start != meeting.quarter_start:
        _quarter_taken(meeting.locality, period, other_than=meeting.id, meeting_type=meeting.meeting_type)
        meeting.quarter_start = period.start
        meeting.title = meeting_title(meeting.locality, period, meeting.meeting_type)
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
        + (" Please answer again{for_yours}." if moved else " The answer given{for_yours} still stands."),
        subject="Changed",
    )
    db.session.flush()
    return meeting


def cancel_meeting(meeting: PartnershipMeeting, *, by: User) -> PartnershipMeeting:
    """Call the meeting off: METHOD:CANCEL, the same UID, SEQUENCE + 1. The quarter can be scheduled again."""
    ensure_manager_of(by, meeting)
    _ensure_open(meeting)
    meeting.sequence += 1
    meeting.cancelled_at = utcnow()
    audit.record("meeting.cancelled", obj=meeting, sequence=meeting.sequence)
    _send_calendar(meeting, "CANCEL", what="The partnership meeting is cancelled.", subject="Cancelled")
    db.session.flush()
    return meeting


# --- answers --------------------------------------------------------------------------------------


def answer_invitation(
    meeting: PartnershipMeeting, *, by: User, answer: MeetingAnswer, attendees: str
) -> MeetingInvitation:
    """A partner of an invited school answers for the school: attending (and who will come) or not.
    One answer per school: the latest wins, whoever at the school gives it. NotFound for anyone else."""
    invitation = invitation_of(meeting, by)
    if invitation is None or not may_see(by, meeting):
        raise NotFound
    _ensure_open(meeting)
    attendees = " ".join(attendees.split())
    if answer is MeetingAnswer.NOT_ANSWERED:
        raise DomainError(f"Select whether {whose_answer(invitation)} will attend", field="answer")
    if answer is MeetingAnswer.ATTENDING and not attendees and invitation.user_id is None:
        raise DomainError(f"Enter who will come from {yours(invitation.organisation.kind)}", field="attendees")
    if len(attendees) > ATTENDEES_MAX:
        raise DomainError(f"Who will come must be {ATTENDEES_MAX} characters or fewer", field="attendees")
    previous = invitation.answer
    if invitation.user_id is not None and answer is MeetingAnswer.ATTENDING and not attendees:
        attendees = by.name  # invited by name: they come themselves unless they say who else
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


# --- e-mail ---------------------------------------------------------------------------------------


def calendar_event(meeting: PartnershipMeeting, *, contact: User) -> calendar.CalendarEvent:
    """The meeting as the calendar file sent to `contact` describes it. The only attendee is `contact`: one
    file listing every school's contacts would give each of them everyone else's e-mail address. The UID and
    SEQUENCE are the meeting's, the same in every contact's file."""
    if meeting.meeting_type is None:
        description = f"The quarterly partnership meeting of {meeting.locality.name}: schools and the locality team."
    else:
        description = f"The {meeting.type_name} of {meeting.locality.name}: partner agencies and the locality team."
    if meeting.online_link:
        description += f"\n\nJoin online: {meeting.online_link}"
    if meeting.cancelled_at is None:
        whose = _whose(meeting, contact)
        answer = "Answer" if whose == "you" else f"Answer for {whose}"
        description += f"\n\n{answer} in the portal: your calendar's Accept and Decline do not reach it."
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


def _kind_of(contact: User) -> OrganisationKind | None:
    return contact.organisation.kind if contact.organisation is not None else None


def whose_answer(invitation: MeetingInvitation) -> str:
    """Whom an invitation's answer is for: "you" (invited by name), else "your school", "your team" ..."""
    return "you" if invitation.user_id is not None else yours(invitation.organisation.kind)


def _whose(meeting: PartnershipMeeting, contact: User) -> str:
    invitation = invitation_of(meeting, contact)
    return whose_answer(invitation) if invitation is not None else yours(_kind_of(contact))


def _send_calendar(meeting: PartnershipMeeting, method: calendar.Method, *, what: str, subject: str = "") -> None:
    """One e-mail per contact of each invited school, each with its own calendar file (see calendar_event).
    `what` may name whom the contact answers for as "{yours}" (worded by their organisation's kind, "you" when
    invited by name), or as "{for_yours}" (" for your team", and nothing for "you")."""
    build = calendar.build_request if method == "REQUEST" else calendar.build_cancel
    contacts = meeting_contacts(meeting)
    heading = f"{subject}: {meeting.title}" if subject else f"Invitation: {meeting.title}"
    for contact in contacts:
        whose = _whose(meeting, contact)
        ics = build(calendar_event(meeting, contact=contact))
        attachment = outbox.Attachment(calendar.ICS_FILENAME, calendar.content_type(method), ics)
        outbox.enqueue(
            to=contact,
            subject=heading,
            template="emails/meeting_invitation.txt",
            attachments=[attachment],
            name=contact.name,
            what=what.format(yours=whose, for_yours="" if whose == "you" else f" for {whose}"),
            yours=whose,
            title=meeting.title,
            when=when_text(meeting),
            where=where_text(meeting),
            online_link=meeting.online_link,
            cancelled=method == "CANCEL",
            link=meeting_link(meeting),
            thread=outbox.thread_of("meeting", meeting.id, contact.email),
        )
