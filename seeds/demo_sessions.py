"""Demo sessions for `make run`: invented, on example.org, loaded after the directory (see seeds/demo.py).

Dates are relative to today (London). In "Charnwood South and Desford" (managed by manager@example.org,
hosted by amara.okafor@example.org): a Front Door shadowing morning with one place left, an open day
with plenty of room (noor.sadiq@example.org and partner@example.org have booked), and an open day that
has taken place, which partner@example.org attended and has been asked to give feedback on. Three
invented partners of the locality's schools hold the other places; they sign in with the demo password too.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.common.roles import Role
from portal.common.times import LONDON
from portal.common.working_days import add_working_days
from portal.directory.models import Locality, Organisation
from portal.extensions import db
from portal.models_base import utcnow
from portal.sessions.models import Booking, BookingStatus, Session, SessionKind

CHARNWOOD = "Charnwood South and Desford"

# Invented partners of Charnwood schools: (name, e-mail local part, job title, school).
PARTNERS = [
    ("Rowan Hale", "rowan.hale", "SENCO", "Desford Primary School"),
    ("Priya Nair", "priya.nair", "Designated safeguarding lead", "DeLisle College"),
    ("Tom Becker", "tom.becker", "Head teacher", "Hall Orchard"),
]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def _by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        raise LookupError(f"the demo directory has no {email}")
    return user


def load() -> None:
    """Add the demo sessions. Called once, inside load_demo's transaction, after the people and schools exist."""
    from seeds.demo import _demo_password_hash

    locality = db.session.scalar(select(Locality).where(Locality.name == CHARNWOOD))
    if locality is None:
        raise LookupError(f"the demo directory has no locality {CHARNWOOD!r}")
    host = _by_email("amara.okafor@example.org")
    manager = _by_email("manager@example.org")
    people = []
    for name, local, job_title, school in PARTNERS:
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == school))
        person = User(
            name=name,
            email=f"{local}@example.org",
            role=Role.PARTNER,
            job_title=job_title,
            password_hash=_demo_password_hash(),
            organisation=organisation,
            locality=locality,
        )
        db.session.add(person)
        people.append(person)
    db.session.flush()

    today = datetime.now(LONDON).date()
    now = utcnow()
    shadowing_day = add_working_days(today, 8)
    open_day = add_working_days(today, 15)
    past_day = today - timedelta(days=14)

    def session(**fields: object) -> Session:
        made = Session(locality=locality, host=host, published_by=manager, booked=0, sequence=0, **fields)
        db.session.add(made)
        return made

    shadowing = session(
        kind=SessionKind.FRONT_DOOR_SHADOWING,
        title="Front Door shadowing: a morning with the duty team",
        description="Sit beside a duty social worker as contacts come in, and see how a referral is screened "
        "and decided. There is time for questions at the end.",
        starts_at=_at(shadowing_day, 9, 30),
        ends_at=_at(shadowing_day, 12, 30),
        location="County Hall, Glenfield, LE3 8ZZ – ask for the Front Door at reception B",
        what_to_bring="Photo ID (you will be signed in at reception). Please leave laptops at school.",
        capacity=4,
    )
    open_day_session = session(
        kind=SessionKind.OPEN_DAY,
        title="Charnwood South and Desford open day",
        description="Meet the locality team and pod, hear how consultations and pod invites work, and bring "
        "your questions about early help in the area.",
        starts_at=_at(open_day, 13, 30),
        ends_at=_at(open_day, 16),
        location="Desford Community Library, Main Street, Desford",
        what_to_bring="Nothing: tea and coffee are provided.",
        capacity=20,
    )
    past = session(
        kind=SessionKind.OPEN_DAY,
        title="Charnwood South and Desford open day (autumn)",
        description="Meet the locality team.",
        starts_at=_at(past_day, 13, 30),
        ends_at=_at(past_day, 16),
        location="Desford Community Library, Main Street, Desford",
        what_to_bring="",
        capacity=20,
    )
    db.session.flush()

    def book(target: Session, user: User, **fields: object) -> None:
        db.session.add(
            Booking(
                session_id=target.id,
                user_id=user.id,
                status=BookingStatus.CONFIRMED,
                confirmed_at=now,
                sequence=0,
                **fields,
            )
        )
        target.booked += 1

    for person in people:
        book(shadowing, person, confidentiality_accepted_at=now)  # three of four places: one left
    book(open_day_session, _by_email("noor.sadiq@example.org"))
    book(open_day_session, _by_email("partner@example.org"))  # on the partner's home: "Your bookings"
    book(past, _by_email("partner@example.org"), attended=True, feedback_requested_at=now)
    book(past, people[0], attended=False)
    past.attendance_recorded_at = now
    db.session.flush()
