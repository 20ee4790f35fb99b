"""Demo meetings for `make run`: invented, on example.org, loaded after the directory (see seeds/demo.py).

Dates are relative to today (London): "Charnwood South and Desford" (manager@example.org) has met in each
of the last three quarters, with registers (two schools missed two of them), published minutes and an
action log (some actions done, some open, red and amber), and this quarter's meeting is still to come.
"Coalville" met in the last two quarters (minutes, an action log with one action Castle Rock owns) and has
this quarter's meeting to come, so partner@example.org (Castle Rock) has one to answer and past ones to read.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.common.periods import Period, quarter
from portal.common.times import LONDON, london_today
from portal.directory.models import Locality, Organisation, OrganisationKind
from portal.extensions import db
from portal.meetings.models import MeetingAction, MeetingAnswer, MeetingInvitation, PartnershipMeeting, Rag
from portal.meetings.services import meeting_title

CHARNWOOD = "Charnwood South and Desford"
COALVILLE = "Coalville"

# Who came in each of the last three quarters (oldest first): school → who represented it, or None.
REGISTERS: list[dict[str, str | None]] = [
    {
        "Desford Primary School": "Head teacher",
        "All saint C of E Primary School": "Designated safeguarding lead",
        "Hall Orchard": None,
        "DeLisle College": "Deputy head (pastoral)",
    },
    {
        "Desford Primary School": "Head teacher",
        "All saint C of E Primary School": None,
        "Hall Orchard": None,
        "DeLisle College": "Deputy head (pastoral)",
    },
    {
        "Desford Primary School": "Designated safeguarding lead",
        "All saint C of E Primary School": None,
        "Hall Orchard": "Head teacher",
        "DeLisle College": "SENCO",
    },
]

MINUTES = [
    "Welcome and introductions. The locality lead explained how to ask for a consultation in the portal.\n\n"
    "Schools asked for one named contact in the locality team, and for the Front Door's referral guidance "
    "to be shared again.",
    "Review of the actions from last quarter: the named contact is agreed and in place.\n\n"
    "Discussion of attendance worries this term. The police schools officer will be invited to the next "
    "meeting.",
    "Review of the action log. The improvement plan is to be updated with the attendance actions.\n\n"
    "DeLisle College offered a shadowing day for designated safeguarding leads new to their role.",
]


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    """`hour`:`minute` on `day` in London, as an aware datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def upcoming_day(today: date) -> date:
    """A day for this quarter's meeting still to come: two weeks ahead, or the quarter's last day if that is
    sooner (and in the next quarter when today is the last day)."""
    current = quarter(today)
    day = min(today + timedelta(days=14), current.end)
    return day if day > today else current.next().start + timedelta(days=14)


def _meeting(locality: Locality, day: date, organiser: User, schools: list[Organisation]) -> PartnershipMeeting:
    period = quarter(day)
    meeting = PartnershipMeeting(
        locality=locality,
        quarter_start=period.start,
        title=meeting_title(locality, period),
        starts_at=_moment(day, 15, 30),
        ends_at=_moment(day, 17, 0),
        location=f"{schools[0].name}, the library" if schools else "Locality office",
        agenda="1. Welcome\n2. Review of the action log\n3. Attendance and early help\n4. Any other business",
        organiser=organiser,
        sequence=0,
    )
    meeting.invitations = [MeetingInvitation(organisation=school) for school in schools]
    db.session.add(meeting)
    return meeting


def load() -> None:
    """Add the demo meetings. Called once, inside load_demo's transaction, after the people and schools exist."""
    charnwood = db.session.scalar(select(Locality).where(Locality.name == CHARNWOOD))
    coalville = db.session.scalar(select(Locality).where(Locality.name == COALVILLE))
    manager = db.session.scalar(select(User).where(User.email == "manager@example.org"))
    lead = db.session.scalar(select(User).where(User.email == "amara.okafor@example.org"))
    coalville_manager = db.session.scalar(select(User).where(User.email == "joanna.keele@example.org"))
    if charnwood is None or coalville is None or manager is None or lead is None or coalville_manager is None:
        return  # the directory is not the demo one

    def schools(locality: Locality) -> list[Organisation]:
        return list(
            db.session.scalars(
                select(Organisation)
                .where(Organisation.locality_id == locality.id, Organisation.kind == OrganisationKind.SCHOOL)
                .order_by(Organisation.name)
            )
        )

    today = london_today()
    current = quarter(today)
    periods = [current.previous().previous().previous(), current.previous().previous(), current.previous()]
    charnwood_schools = schools(charnwood)
    by_name = {school.name: school for school in charnwood_schools}
    past: list[PartnershipMeeting] = []
    for index, period in enumerate(periods):
        day = period.start + timedelta(days=40)
        meeting = _meeting(charnwood, day, manager, charnwood_schools)
        register = REGISTERS[index]
        for invitation in meeting.invitations:
            who = register.get(invitation.organisation.name)
            invitation.answer = MeetingAnswer.ATTENDING if who else MeetingAnswer.NOT_ATTENDING
            invitation.attendees = who or ""
            invitation.represented = who is not None
            invitation.represented_by = who or ""
        meeting.register_recorded_at = meeting.ends_at + timedelta(hours=1)
        meeting.minutes = MINUTES[index]
        meeting.minutes_published_at = meeting.ends_at + timedelta(days=2)
        past.append(meeting)
    _meeting(charnwood, upcoming_day(today), manager, charnwood_schools)
    db.session.flush()

    police = db.session.scalar(
        select(Organisation).where(
            Organisation.locality_id == charnwood.id, Organisation.kind == OrganisationKind.POLICE
        )
    )
    delisle = by_name.get("DeLisle College")
    actions = [
        # (raised at, text, owner user, owner organisation, due in days from the meeting, RAG, done days after)
        (0, "Agree one named contact in the locality team for each school", lead, None, 30, Rag.GREEN, 20),
        (
            0,
            "Share the Front Door's referral guidance with every school's safeguarding lead",
            manager,
            None,
            21,
            Rag.RED,
            None,
        ),
        (1, "Invite the police schools officer to the next meeting", None, police, 60, Rag.GREEN, 95),
        (2, "Update the improvement plan to include the attendance actions", lead, None, 45, Rag.AMBER, None),
        (2, "Arrange a shadowing day for safeguarding leads new to their role", None, delisle, 75, Rag.GREEN, None),
    ]
    for raised, text, owner_user, owner_org, due_days, rag, done_days in actions:
        meeting = past[raised]
        if owner_user is None and owner_org is None:
            continue
        done_at = meeting.starts_at + timedelta(days=done_days) if done_days is not None else None
        if done_at is not None and done_at.date() >= today:
            done_at = None
        db.session.add(
            MeetingAction(
                locality_id=charnwood.id,
                raised_at_meeting=meeting,
                text=text,
                owner_user=owner_user,
                owner_organisation=owner_org,
                due_on=meeting.starts_at.date() + timedelta(days=due_days),
                rag=rag,
                done_at=done_at,
            )
        )

    _coalville(coalville, coalville_manager, schools(coalville), periods[1:], today)
    _meeting(coalville, upcoming_day(today), coalville_manager, schools(coalville))
    db.session.flush()


COALVILLE_MINUTES = [
    "Welcome. The locality lead introduced the consultation line and how to follow a request in the portal.\n\n"
    "Castle Rock asked to hear back when a consultation leads to no further action, and why.",
    "Review of the action log: outcome letters now say what happens next.\n\n"
    "Castle Rock raised persistent absence in Year 9; the early help offer for attendance was explained.",
]


def _coalville(
    coalville: Locality, manager: User, schools: list[Organisation], periods: list[Period], today: date
) -> None:
    """Coalville's last two quarters: the partner's school came, minutes published, and an action log with one
    action the partner's school owns (open, amber), one the lead kept and one the manager has not (red)."""
    lead = db.session.scalar(select(User).where(User.email == "dev.sandhu@example.org"))
    held = []
    for index, period in enumerate(periods):
        meeting = _meeting(coalville, period.start + timedelta(days=45), manager, schools)
        for invitation in meeting.invitations:
            invitation.answer = MeetingAnswer.ATTENDING
            invitation.attendees = invitation.represented_by = "SENCO"
            invitation.represented = True
        meeting.register_recorded_at = meeting.ends_at + timedelta(hours=1)
        meeting.minutes = COALVILLE_MINUTES[index]
        meeting.minutes_published_at = meeting.ends_at + timedelta(days=2)
        held.append(meeting)
    school = schools[0] if schools else None
    actions = [
        (0, "Say in each outcome letter what happens next and who to call", lead, None, 30, Rag.GREEN, 25),
        (0, "Send every school the early help offer for attendance", manager, None, 21, Rag.RED, None),
        (1, "Share the Year 9 attendance concerns with the locality lead", None, school, 40, Rag.AMBER, None),
    ]
    for raised, text, owner_user, owner_org, due_days, rag, done_days in actions:
        if owner_user is None and owner_org is None:
            continue
        meeting = held[raised]
        done_at = meeting.starts_at + timedelta(days=done_days) if done_days is not None else None
        db.session.add(
            MeetingAction(
                locality_id=coalville.id,
                raised_at_meeting=meeting,
                text=text,
                owner_user=owner_user,
                owner_organisation=owner_org,
                due_on=meeting.starts_at.date() + timedelta(days=due_days),
                rag=rag,
                done_at=done_at if done_at is not None and done_at.date() < today else None,
            )
        )
