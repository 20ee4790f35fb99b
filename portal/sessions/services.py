"""Front Door shadowing and locality open days: publishing, booking, the waiting list, attendance, feedback.

Capacity is a counter on the session row (`engagement_session.booked`) that only conditional UPDATEs
change, so it holds under any number of concurrent requests, on SQLite and on PostgreSQL alike:

- every change to a session's places starts by *locking the session row* with an UPDATE that changes
  nothing (`SET booked = booked`). On PostgreSQL that is a row lock held to the end of the transaction;
  on SQLite it takes the database's write lock (waiting up to the busy timeout) and starts the
  transaction with a write, so every read after it sees the latest commits. Booking, joining the
  waiting list, cancelling and promoting a session's bookings therefore happen one at a time per
  session, and reads made after the lock are current;
- a place is claimed with one conditional UPDATE (`booked = booked + 1 WHERE booked < capacity AND
  cancelled_at IS NULL`) whose row count says whether it was won, and given back with `booked - 1`;
- booking rows change status with conditional UPDATEs too (`WHERE status = …`), so cancelling the same
  booking twice frees one place, and a waiting-list promotion happens once per person;
- one row per person and session (UNIQUE): a second post of the same booking finds the first; an
  IntegrityError inside a SAVEPOINT gives the place back and re-reads the booking.

Like every service here: checks first, then changes, audit rows and e-mails; flush, never commit.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import url_for
from sqlalchemy import ColumnElement, and_, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from portal.accounts.models import User
from portal.common import audit, outbox, periods
from portal.common.identifiers import Finding, find_identifiers
from portal.common.periods import Period
from portal.common.permissions import NotFound
from portal.common.roles import Role
from portal.common.working_days import is_working_day, local_date
from portal.directory.models import Locality
from portal.extensions import db
from portal.models_base import utcnow
from portal.sessions import notices
from portal.sessions.models import Booking, BookingStatus, Session, SessionFeedback, SessionKind
from portal.sessions.notices import when_text
from portal.sessions.uptake import UptakeRow, uptake

__all__ = ["UptakeRow", "uptake", "when_text"]  # re-exported: the dashboards and the pages use them from here

TITLE_MAX = 200
LOCATION_MAX = 300
TEXT_MAX = 2000
CAPACITY_MAX = 200
REMINDER_WORKING_DAYS = 2
FEEDBACK_REQUEST_DAYS = 30
UPCOMING_PAGE_SIZE = 25
UPTAKE_QUARTERS = 4

# What a visitor to the Front Door agrees to before booking a shadowing place. Shown in full on the
# session page next to the checkbox, and repeated in the confirmation e-mail.
CONFIDENTIALITY_EXPECTATIONS: tuple[str, ...] = (
    "What you see and hear at the Front Door stays at the Front Door. You will not discuss any child, family "
    "or case you learn about, in school, at home or anywhere else.",
    "You will not record, photograph or write down anything that could identify a child, a family member or "
    "an address: no names, dates of birth, schools or notes of calls.",
    "If you recognise a child or family, you will tell the Front Door worker you are with straight away and "
    "step away from that call or discussion.",
    "You will keep your phone on silent and away while you are with the team, and not use it to record.",
    "You will follow the Front Door worker's instructions, and leave a call or meeting when asked.",
    "Anything that worries you about a child you already know goes through your own safeguarding procedure, "
    "as it always does.",
)

ACTIVE = (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)


class SessionError(Exception):
    """A session rule was broken. `field` names what was wrong, so the page can show it in place: one of
    "kind", "locality_id", "title", "starts_at", "ends_at", "location", "capacity", "host_id",
    "confidentiality", "attended", "rating", or "" for the session as a whole."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class IdentifiersFound(SessionError):
    """Free text looks as if it holds a child's identifiers; nothing is saved until removed or confirmed."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("Remove personal details before you save", field="comments")
        self.findings = findings


class Outcome(enum.StrEnum):
    BOOKED = "booked"
    WAITLISTED = "waitlisted"
    ALREADY_BOOKED = "already_booked"
    ALREADY_WAITLISTED = "already_waitlisted"
    FULL = "full"


@dataclass(frozen=True)
class BookingResult:
    outcome: Outcome
    booking: Booking | None


# --- who may do what ------------------------------------------------------------------------------


def managed_locality_ids(user: User) -> list[int]:
    """A manager's area: their own locality and every locality whose manager they are. Nobody else manages."""
    if user.role is not Role.MANAGER:
        return []
    ids = set(db.session.scalars(select(Locality.id).where(Locality.manager_id == user.id)))
    if user.locality_id is not None:
        ids.add(user.locality_id)
    return sorted(ids)


def can_manage(user: User, session: Session) -> bool:
    return session.locality_id in managed_locality_ids(user)


def can_record_attendance(user: User, session: Session) -> bool:
    """The host (any staff member) or a manager of the session's locality."""
    return (user.is_staff and session.host_id == user.id) or can_manage(user, session)


def _load(session_id: int) -> Session:
    session = db.session.scalar(
        select(Session)
        .where(Session.id == session_id)
        .options(selectinload(Session.locality), selectinload(Session.host))
    )
    if session is None:
        raise NotFound
    return session


def get_session(session_id: int, *, user: User) -> Session:
    """A session as anyone who may book or run sessions sees it (all sessions are open to every partner)."""
    if user.role not in (Role.PARTNER, Role.PRACTITIONER, Role.MANAGER):
        raise NotFound
    return _load(session_id)


def get_managed_session(session_id: int, *, user: User) -> Session:
    """The session when `user` manages its locality; NotFound otherwise, so another area's session does
    not even show it exists to a manager who may not change it."""
    session = _load(session_id)
    if not can_manage(user, session):
        raise NotFound
    return session


def get_session_for_attendance(session_id: int, *, user: User) -> Session:
    session = _load(session_id)
    if not can_record_attendance(user, session):
        raise NotFound
    return session


def _hosts_for(manager: User, *, keep: int | None) -> ColumnElement[bool]:
    """Who `manager` may choose as a host: the active practitioners and managers of their area (working in
    one of its localities, or leading or managing one), and `keep`, a session's current host, if still
    active staff. One condition, so the choices and the check of one id are each a single query."""
    if manager.role is not Role.MANAGER:
        return false()
    area = select(Locality.id).where(or_(Locality.manager_id == manager.id, Locality.id == manager.locality_id))
    of_area = or_(
        User.locality_id.in_(area),
        User.id.in_(select(Locality.lead_id).where(Locality.id.in_(area))),
        User.id.in_(select(Locality.manager_id).where(Locality.id.in_(area))),
    )
    if keep is not None:
        of_area = or_(of_area, User.id == keep)
    return and_(User.role.in_([Role.PRACTITIONER, Role.MANAGER]), User.disabled_at.is_(None), of_area)


def hostable_staff(manager: User, *, keep: int | None = None) -> list[User]:
    """The staff `manager` may choose to host a session (see `_hosts_for`), by name."""
    return list(db.session.scalars(select(User).where(_hosts_for(manager, keep=keep)).order_by(User.name, User.id)))


def is_hostable(host_id: int, *, manager: User, keep: int | None = None) -> bool:
    return db.session.scalar(select(User.id).where(User.id == host_id, _hosts_for(manager, keep=keep))) is not None


def managed_localities(user: User) -> list[Locality]:
    ids = managed_locality_ids(user)
    if not ids:
        return []
    return list(db.session.scalars(select(Locality).where(Locality.id.in_(ids)).order_by(Locality.name)))


# --- reading --------------------------------------------------------------------------------------


def has_started(session: Session, *, now: datetime | None = None) -> bool:
    return session.starts_at <= (now or utcnow())


def is_open(session: Session, *, now: datetime | None = None) -> bool:
    """Not cancelled and not yet started: it can still be booked, changed and cancelled."""
    return session.cancelled_at is None and not has_started(session, now=now)


@dataclass(frozen=True)
class SessionPage:
    sessions: list[Session]
    total: int
    page: int
    pages: int


def list_upcoming(*, page: int = 1, now: datetime | None = None) -> SessionPage:
    """Sessions still to come and not cancelled, soonest first, UPCOMING_PAGE_SIZE a page: managers may
    publish as far ahead as they like, so the list has no natural end. A page past the last is the last."""
    upcoming = (Session.starts_at > (now or utcnow()), Session.cancelled_at.is_(None))
    total = int(db.session.scalar(select(func.count()).select_from(Session).where(*upcoming)) or 0)
    pages = max(1, -(-total // UPCOMING_PAGE_SIZE))
    page = min(max(page, 1), pages)
    sessions = list(
        db.session.scalars(
            select(Session)
            .where(*upcoming)
            .order_by(Session.starts_at, Session.id)
            .offset((page - 1) * UPCOMING_PAGE_SIZE)
            .limit(UPCOMING_PAGE_SIZE)
            .options(selectinload(Session.locality), selectinload(Session.host))
        )
    )
    return SessionPage(sessions, total, page, pages)


def list_to_follow_up(user: User, *, now: datetime | None = None, days: int = 90) -> list[Session]:
    """Sessions of the last `days` days whose attendance `user` may record (host, or manager of the area)."""
    now = now or utcnow()
    condition = Session.host_id == user.id
    areas = managed_locality_ids(user)
    if areas:
        condition = condition | Session.locality_id.in_(areas)
    return list(
        db.session.scalars(
            select(Session)
            .where(
                condition,
                Session.starts_at <= now,
                Session.starts_at > now - timedelta(days=days),
                Session.cancelled_at.is_(None),
            )
            .order_by(Session.starts_at.desc(), Session.id)
            .options(selectinload(Session.locality))
        )
    )


def bookings_by_session(user: User, sessions: Iterable[Session]) -> dict[int, Booking]:
    """`user`'s bookings (any status) on `sessions`, by session id: the list marks the sessions they are
    booked on."""
    ids = [s.id for s in sessions]
    if not ids:
        return {}
    rows = db.session.scalars(select(Booking).where(Booking.user_id == user.id, Booking.session_id.in_(ids)))
    return {b.session_id: b for b in rows}


def list_my_bookings(user: User) -> list[Booking]:
    """`user`'s places and waiting-list places, soonest first (cancelled ones too, last)."""
    return list(
        db.session.scalars(
            select(Booking)
            .join(Session, Booking.session_id == Session.id)
            .where(Booking.user_id == user.id)
            .order_by((Booking.status == BookingStatus.CANCELLED), Session.starts_at, Booking.id)
            .options(
                selectinload(Booking.session).selectinload(Session.locality),
                selectinload(Booking.feedback),
            )
        )
    )


def booking_of(session: Session, user: User) -> Booking | None:
    return db.session.scalar(
        select(Booking)
        .where(Booking.session_id == session.id, Booking.user_id == user.id)
        .execution_options(populate_existing=True)
    )


def session_bookings(session: Session) -> tuple[list[Booking], list[Booking], list[Booking]]:
    """(confirmed, waiting list in order, cancelled) with each person and organisation."""
    rows = list(
        db.session.scalars(
            select(Booking)
            .where(Booking.session_id == session.id)
            .order_by(Booking.waitlisted_at, Booking.confirmed_at, Booking.id)
            .options(selectinload(Booking.user).selectinload(User.organisation), selectinload(Booking.feedback))
            .execution_options(populate_existing=True)
        )
    )
    return (
        [b for b in rows if b.status is BookingStatus.CONFIRMED],
        [b for b in rows if b.status is BookingStatus.WAITLISTED],
        [b for b in rows if b.status is BookingStatus.CANCELLED],
    )


def waiting_position(booking: Booking) -> int:
    """1 for the first on the waiting list."""
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.session_id == booking.session_id,
            Booking.status == BookingStatus.WAITLISTED,
            (Booking.waitlisted_at < booking.waitlisted_at)
            | ((Booking.waitlisted_at == booking.waitlisted_at) & (Booking.id < booking.id)),
        )
    )
    return int(ahead or 0) + 1


def uptake_period(key: str, *, today: date | None = None) -> tuple[Period, list[Period]]:
    """The period the uptake page shows for `key` (a Period key from the page's choices or typed into the
    address; empty for the latest quarter), and the choices it offers: the last UPTAKE_QUARTERS quarters,
    this financial year and the one before. NotFound for a key that is not a period."""
    today = today or local_date(utcnow())
    choices = [*reversed(periods.recent_quarters(today, UPTAKE_QUARTERS)), periods.financial_year(today)]
    choices.append(choices[-1].previous())
    if not key:
        return choices[0], choices
    chosen = next((p for p in choices if p.key == key), None)
    if chosen is None:
        try:
            chosen = Period.parse(key)
        except ValueError:
            raise NotFound from None
    return chosen, choices


def status_label(session: Session, *, now: datetime | None = None) -> str:
    if session.cancelled_at is not None:
        return "Cancelled"
    if session.attendance_recorded_at is not None:
        return "Attendance recorded"
    if has_started(session, now=now):
        return "Taken place"
    if session.is_full:
        return "Full"
    return "Open for booking"


# --- checks ---------------------------------------------------------------------------------------


def _check_details(
    *,
    by: User,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    capacity: int,
    host_id: int,
    keep_host_id: int | None = None,
) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("session times must be timezone-aware")
    if not title:
        raise SessionError("Enter a title", field="title")
    if len(title) > TITLE_MAX:
        raise SessionError(f"The title must be {TITLE_MAX} characters or fewer", field="title")
    if starts_at <= utcnow():
        raise SessionError("The start time must be in the future", field="starts_at")
    if ends_at <= starts_at:
        raise SessionError("The end time must be after the start time", field="ends_at")
    if not location:
        raise SessionError("Enter where the session is", field="location")
    if len(location) > LOCATION_MAX:
        raise SessionError(f"The place must be {LOCATION_MAX} characters or fewer", field="location")
    if not 1 <= capacity <= CAPACITY_MAX:
        raise SessionError(f"The number of places must be between 1 and {CAPACITY_MAX}", field="capacity")
    if not is_hostable(host_id, manager=by, keep=keep_host_id):
        raise SessionError("Select who hosts the session", field="host_id")


def _one_line(text: str) -> str:
    """Titles and places go into e-mail subjects and calendar lines: any run of whitespace, line breaks
    included, becomes one space (a header cannot be injected)."""
    return " ".join(text.split())


def _ensure_manager_of(user: User, session: Session) -> None:
    if not can_manage(user, session):
        raise NotFound


def _ensure_open(session: Session) -> None:
    if session.cancelled_at is not None:
        raise SessionError("This session has been cancelled")
    if has_started(session):
        raise SessionError("This session has already started")


def _ensure_partner(user: User) -> None:
    if user.role is not Role.PARTNER:
        raise NotFound


def needs_confidentiality(session: Session) -> bool:
    return session.kind is SessionKind.FRONT_DOOR_SHADOWING


def _expectations(session: Session) -> tuple[str, ...]:
    """What the confirmation e-mail repeats: the expectations the booker accepted, for shadowing."""
    return CONFIDENTIALITY_EXPECTATIONS if needs_confidentiality(session) else ()


# --- the session row: lock, claim, give back ------------------------------------------------------


def _lock(session_id: int) -> None:
    """Lock the session row for the rest of the transaction (see the module docstring)."""
    db.session.execute(
        update(Session)
        .where(Session.id == session_id)
        .values(booked=Session.booked)
        .execution_options(synchronize_session=False)
    )


def _claim_place(session_id: int) -> bool:
    """Take one place if there is one: one conditional UPDATE, its row count the answer."""
    result = db.session.execute(
        update(Session)
        .where(Session.id == session_id, Session.booked < Session.capacity, Session.cancelled_at.is_(None))
        .values(booked=Session.booked + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def _give_back_place(session_id: int) -> None:
    db.session.execute(
        update(Session)
        .where(Session.id == session_id, Session.booked > 0)
        .values(booked=Session.booked - 1)
        .execution_options(synchronize_session=False)
    )


def _set_status(booking_id: int, *, to: BookingStatus, when: Iterable[BookingStatus], **values: object) -> bool:
    """Move a booking to `to` only if it is still in one of `when`: True if this call moved it."""
    result = db.session.execute(
        update(Booking)
        .where(Booking.id == booking_id, Booking.status.in_(list(when)))
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def _fresh(session: Session) -> Session:
    db.session.refresh(session)
    return session


# --- booking and the waiting list -----------------------------------------------------------------


def book_session(session: Session, *, by: User, confidentiality_accepted: bool) -> BookingResult:
    """Book `by` a place: BOOKED (with a confirmation e-mail and calendar file), ALREADY_* when they
    hold one (a second post of the same booking), or FULL, when they may join the waiting list."""
    return _book(session, by=by, confidentiality_accepted=confidentiality_accepted, queue=False)


def join_waiting_list(session: Session, *, by: User, confidentiality_accepted: bool) -> BookingResult:
    """Put `by` on the waiting list (WAITLISTED), or book them a place if one has come free (BOOKED)."""
    return _book(session, by=by, confidentiality_accepted=confidentiality_accepted, queue=True)


def _book(session: Session, *, by: User, confidentiality_accepted: bool, queue: bool) -> BookingResult:
    _ensure_partner(by)
    _ensure_open(session)
    if needs_confidentiality(session) and not confidentiality_accepted:
        raise SessionError(
            "Confirm that you will follow the confidentiality expectations of the Front Door",
            field="confidentiality",
        )
    already = _already(session, by)
    if already is not None:
        return already

    _lock(session.id)
    # Under the lock every read is current: a booking made by a request that got here first is seen,
    # and so is a cancellation of the session.
    _ensure_open(_fresh(session))
    already = _already(session, by)
    if already is not None:
        return already
    if _claim_place(session.id):
        booking = _place(session, by, BookingStatus.CONFIRMED, confidentiality_accepted)
        if booking is None:
            _give_back_place(session.id)
            return _already(session, by) or BookingResult(Outcome.FULL, None)
        _fresh(session)
        audit.record("session.booked", obj=booking, session_id=session.id, booked=session.booked)
        notices.send_confirmation(booking, promoted=False, expectations=_expectations(session))
        db.session.flush()
        return BookingResult(Outcome.BOOKED, booking)
    if not queue:
        _fresh(session)
        return BookingResult(Outcome.FULL, None)
    booking = _place(session, by, BookingStatus.WAITLISTED, confidentiality_accepted)
    if booking is None:
        return _already(session, by) or BookingResult(Outcome.FULL, None)
    audit.record("session.waitlisted", obj=booking, session_id=session.id)
    _fresh(session)
    notices.send_plain(
        booking,
        subject=f"Waiting list: {session.title}",
        what="You are on the waiting list for this session. If a place comes free, the first person on the "
        "list gets it automatically, and we will email you with a calendar file if that is you.",
    )
    db.session.flush()
    return BookingResult(Outcome.WAITLISTED, booking)


def _already(session: Session, user: User) -> BookingResult | None:
    existing = booking_of(session, user)
    if existing is None or existing.status is BookingStatus.CANCELLED:
        return None
    if existing.status is BookingStatus.CONFIRMED:
        return BookingResult(Outcome.ALREADY_BOOKED, existing)
    return BookingResult(Outcome.ALREADY_WAITLISTED, existing)


def _place(session: Session, user: User, status: BookingStatus, accepted: bool) -> Booking | None:
    """Write `user`'s booking with `status`: a new row, or their cancelled row brought back. None when the
    row turned out to be taken already (the UNIQUE constraint or the status check said so)."""
    now = utcnow()
    values: dict[str, object] = {
        "confirmed_at": now if status is BookingStatus.CONFIRMED else None,
        "waitlisted_at": now if status is BookingStatus.WAITLISTED else None,
        "cancelled_at": None,
        "confidentiality_accepted_at": now if accepted and needs_confidentiality(session) else None,
        # A row brought back starts afresh: its reminder and feedback request go again for this booking.
        "attended": None,
        "reminder_sent_at": None,
        "feedback_requested_at": None,
    }
    existing = booking_of(session, user)
    try:
        with db.session.begin_nested():
            if existing is None:
                booking = Booking(session_id=session.id, user_id=user.id, status=status, sequence=0, **values)
                db.session.add(booking)
                db.session.flush()
            else:
                # A calendar file went out for this UID before (and a CANCEL after it): raise the SEQUENCE.
                if not _set_status(
                    existing.id,
                    to=status,
                    when=[BookingStatus.CANCELLED],
                    sequence=Booking.sequence + (1 if status is BookingStatus.CONFIRMED else 0),
                    **values,
                ):
                    return None
                booking = existing
    except IntegrityError:
        return None
    db.session.refresh(booking)
    return booking


def cancel_booking(session: Session, *, by: User) -> Booking | None:
    """`by` gives up their place (or leaves the waiting list). Returns the booking, or None when it was
    already cancelled (a second post frees nothing). A freed place goes to the first on the waiting list."""
    _ensure_partner(by)
    if session.cancelled_at is None and has_started(session):
        raise SessionError("This session has already started: you can no longer cancel your place")
    booking = booking_of(session, by)
    if booking is None:
        raise SessionError("You do not have a place on this session")
    _lock(session.id)
    db.session.refresh(booking)
    was = booking.status
    if not _set_status(booking.id, to=BookingStatus.CANCELLED, when=ACTIVE, cancelled_at=utcnow()):
        return None
    db.session.refresh(booking)
    if was is BookingStatus.CONFIRMED:
        _give_back_place(session.id)
        booking.sequence += 1
    audit.record("session.booking_cancelled", obj=booking, session_id=session.id, was=was.value)
    if was is BookingStatus.CONFIRMED:
        notices.send_calendar(
            booking,
            "CANCEL",
            subject=f"Cancelled: your place on {session.title}",
            what="You have cancelled your place on this session. The attached calendar file removes it from "
            "your calendar.",
        )
        promote_waiting_list(session)
    else:
        notices.send_plain(
            booking,
            subject=f"Left the waiting list: {session.title}",
            what="You have left the waiting list for this session.",
        )
    _fresh(session)
    db.session.flush()
    return booking


def promote_waiting_list(session: Session) -> list[Booking]:
    """Give free places to the waiting list in the order people joined it, each person once. Call with the
    session row locked (every caller has locked it): the reads below are then current."""
    promoted: list[Booking] = []
    if session.cancelled_at is not None or has_started(session):
        return promoted
    while True:
        # A disabled account is passed over (it would never be told); it keeps its place in the queue.
        candidate = db.session.scalar(
            select(Booking)
            .join(User, Booking.user_id == User.id)
            .where(
                Booking.session_id == session.id,
                Booking.status == BookingStatus.WAITLISTED,
                User.disabled_at.is_(None),
            )
            .order_by(Booking.waitlisted_at, Booking.id)
            .limit(1)
            .execution_options(populate_existing=True)
        )
        if candidate is None or not _claim_place(session.id):
            break
        # A waiting booking has had a calendar file only if a CANCEL went out (which raised its SEQUENCE).
        raise_sequence = candidate.sequence > 0
        if not _set_status(
            candidate.id,
            to=BookingStatus.CONFIRMED,
            when=[BookingStatus.WAITLISTED],
            confirmed_at=utcnow(),
            sequence=Booking.sequence + (1 if raise_sequence else 0),
        ):
            _give_back_place(session.id)
            continue
        db.session.refresh(candidate)
        audit.record("session.promoted", obj=candidate, session_id=session.id)
        notices.send_confirmation(candidate, promoted=True, expectations=_expectations(session))
        promoted.append(candidate)
    return promoted


# --- publishing, changing, cancelling -------------------------------------------------------------


def publish_session(
    *,
    by: User,
    kind: SessionKind,
    locality_id: int,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    what_to_bring: str,
    capacity: int,
    host_id: int,
) -> Session:
    """A manager publishes a session in a locality of their area; partners can book it at once."""
    if locality_id not in managed_locality_ids(by):
        raise SessionError("Select a locality you manage", field="locality_id")
    title, location = _one_line(title), _one_line(location)
    _check_details(
        by=by, title=title, starts_at=starts_at, ends_at=ends_at, location=location, capacity=capacity, host_id=host_id
    )
    session = Session(
        kind=kind,
        locality_id=locality_id,
        title=title,
        description=description.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        what_to_bring=what_to_bring.strip(),
        capacity=capacity,
        booked=0,
        host_id=host_id,
        published_by_id=by.id,
        sequence=0,
    )
    db.session.add(session)
    db.session.flush()
    audit.record("session.published", obj=session, kind=kind.value, locality_id=locality_id, capacity=capacity)
    return session


def change_session(
    session: Session,
    *,
    by: User,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    what_to_bring: str,
    capacity: int,
    host_id: int,
) -> Session:
    """Change a session. Everyone booked gets the new details with a calendar update (the same UID, a
    higher SEQUENCE) when the time, place or details change, and everyone still waiting an e-mail without
    one; more places go to the waiting list. A new time means the reminders go again."""
    _ensure_manager_of(by, session)
    _ensure_open(session)
    title, location = _one_line(title), _one_line(location)
    description, what_to_bring = description.strip(), what_to_bring.strip()
    _check_details(
        by=by,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        capacity=capacity,
        host_id=host_id,
        keep_host_id=session.host_id,
    )
    _lock(session.id)
    _fresh(session)
    if capacity < session.booked:
        raise SessionError(
            f"{session.booked} places are booked: the number of places cannot be fewer. "
            "Ask people to cancel, or cancel the session",
            field="capacity",
        )
    details = (title, description, starts_at, ends_at, location, what_to_bring, host_id)
    before = (
        session.title,
        session.description,
        session.starts_at,
        session.ends_at,
        session.location,
        session.what_to_bring,
        session.host_id,
    )
    if details == before and capacity == session.capacity:
        raise SessionError("Change something, or go back without saving", field="title")
    changed = details != before
    moved = (starts_at, ends_at) != (session.starts_at, session.ends_at)
    session.title, session.description, session.location, session.what_to_bring = (
        title,
        description,
        location,
        what_to_bring,
    )
    session.starts_at, session.ends_at, session.host_id = starts_at, ends_at, host_id
    session.capacity = capacity
    if changed:
        session.sequence += 1
    db.session.flush()
    db.session.refresh(session, ["host"])
    audit.record("session.changed", obj=session, sequence=session.sequence, capacity=capacity, details=changed)
    if moved:
        db.session.execute(
            update(Booking)
            .where(Booking.session_id == session.id, Booking.reminder_sent_at.is_not(None))
            .values(reminder_sent_at=None)
            .execution_options(synchronize_session=False)
        )
    if changed:
        confirmed, _, _ = session_bookings(session)
        for booking in confirmed:
            booking.sequence += 1
            notices.send_calendar(
                booking,
                "REQUEST",
                subject=f"Changed: {session.title}",
                what="A session you are booked on has changed. The attached calendar file updates it in your calendar.",
            )
    promote_waiting_list(session)
    if changed:
        # Told after the promotions: whoever got a place has just had the new details with it.
        _, waiting, _ = session_bookings(session)
        for booking in waiting:
            notices.send_plain(
                booking,
                subject=f"Changed: {session.title}",
                what="A session you are on the waiting list for has changed: the new details are below. You are "
                "still on the waiting list. If a place comes free, the first person on the list gets it "
                "automatically, and we will email you with a calendar file if that is you.",
            )
    _fresh(session)
    db.session.flush()
    return session


def cancel_session(session: Session, *, by: User) -> Session:
    """Call the session off: everyone booked gets a calendar CANCEL, everyone waiting is told."""
    _ensure_manager_of(by, session)
    _ensure_open(session)
    result = db.session.execute(
        update(Session)
        .where(Session.id == session.id, Session.cancelled_at.is_(None))
        .values(cancelled_at=utcnow(), booked=0, sequence=Session.sequence + 1)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        raise SessionError("This session has been cancelled")
    _fresh(session)
    confirmed, waiting, _ = session_bookings(session)
    now = utcnow()
    for booking in confirmed + waiting:
        was = booking.status
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        if was is BookingStatus.CONFIRMED:
            booking.sequence += 1
            notices.send_calendar(
                booking,
                "CANCEL",
                subject=f"Cancelled: {session.title}",
                what="This session has been cancelled. The attached calendar file removes it from your calendar.",
            )
        else:
            notices.send_plain(
                booking,
                subject=f"Cancelled: {session.title}",
                what="This session, which you were on the waiting list for, has been cancelled.",
            )
    audit.record("session.cancelled", obj=session, booked=len(confirmed), waiting=len(waiting))
    db.session.flush()
    return session


# --- attendance and feedback ----------------------------------------------------------------------


def has_ended(session: Session, *, now: datetime | None = None) -> bool:
    return session.ends_at <= (now or utcnow())


def ensure_attendance_can_be_recorded(session: Session) -> None:
    """Attendance is recorded once a session has started, never for a cancelled one."""
    if session.cancelled_at is not None:
        raise SessionError("This session was cancelled: there is no attendance to record")
    if not has_started(session):
        raise SessionError("You can record attendance once the session has started", field="attended")


def record_attendance(session: Session, *, by: User, attended_booking_ids: Iterable[int]) -> Session:
    """Who came, once the session has started; recording again replaces the record. Each attendee is asked
    for feedback once, after the session has ended: at once if it has, otherwise by the scheduled job
    (`send_feedback_requests`) when it ends."""
    if not can_record_attendance(by, session):
        raise NotFound
    ensure_attendance_can_be_recorded(session)
    _lock(session.id)  # the session row first, then its bookings: the order every writer here keeps
    confirmed, _, _ = session_bookings(session)
    attended = set(attended_booking_ids)
    if not attended <= {b.id for b in confirmed}:
        raise SessionError("Select people from the list", field="attended")
    now = utcnow()
    for booking in confirmed:
        booking.attended = booking.id in attended
    session.attendance_recorded_at = now
    audit.record("session.attendance_recorded", obj=session, attended=len(attended), booked=len(confirmed))
    db.session.flush()
    if has_ended(session, now=now):
        _request_feedback([b.id for b in confirmed if b.attended and b.user.is_active], now=now)
    db.session.flush()
    return session


def get_attended_booking(session_id: int, *, user: User) -> Booking:
    """`user`'s booking on the session when they attended it; NotFound otherwise."""
    booking = db.session.scalar(
        select(Booking)
        .where(Booking.session_id == session_id, Booking.user_id == user.id, Booking.attended.is_(True))
        .options(selectinload(Booking.session), selectinload(Booking.feedback))
    )
    if booking is None or user.role is not Role.PARTNER:
        raise NotFound
    return booking


def give_feedback(booking: Booking, *, by: User, rating: int, comments: str, confirmed: bool) -> SessionFeedback:
    """An attendee says how the session was (once). Comments that look as if they identify a child raise
    IdentifiersFound, and nothing is saved, unless `confirmed` (the attendee has checked them)."""
    if booking.user_id != by.id or booking.attended is not True:
        raise NotFound
    if booking.feedback is not None:
        raise SessionError("You have already given feedback on this session")
    if not 1 <= rating <= 5:
        raise SessionError("Select a rating from 1 to 5", field="rating")
    comments = comments.strip()
    if len(comments) > TEXT_MAX:
        raise SessionError(f"Your comments must be {TEXT_MAX} characters or fewer", field="comments")
    if not confirmed:
        findings = find_identifiers(comments)
        if findings:
            raise IdentifiersFound(findings)
    feedback = SessionFeedback(booking_id=booking.id, rating=rating, comments=comments)
    booking.feedback = feedback
    db.session.add(feedback)
    db.session.flush()
    audit.record(
        "session.feedback_given",
        obj=feedback,
        session_id=booking.session_id,
        rating=rating,
        identifiers_confirmed=confirmed,
    )
    return feedback


# --- the scheduled jobs: reminders and feedback requests -----------------------------------------
#
# Each booking is reminded, and asked for feedback, once: one conditional UPDATE marks every booking due
# whose mark is still empty and returns the ids it marked, so two workers running at once never both send
# one. The marked bookings are then loaded with their session, host and person in a fixed number of
# queries, so a job costs the same number of queries whatever the number of bookings.


def _mark(
    booking_ids: list[int],
    column: InstrumentedAttribute[datetime | None],
    *,
    now: datetime,
    also: tuple[ColumnElement[bool], ...] = (),
) -> list[int]:
    """Set `column` to `now` on those of `booking_ids` still confirmed with `column` empty (and matching
    `also`): the ids this call marked (RETURNING, on SQLite and PostgreSQL alike)."""
    if not booking_ids:
        return []
    marked = db.session.execute(
        update(Booking)
        .where(Booking.id.in_(booking_ids), column.is_(None), Booking.status == BookingStatus.CONFIRMED, *also)
        .values({column: now})
        .returning(Booking.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(marked.scalars())


def _with_people(booking_ids: list[int]) -> list[Booking]:
    """The bookings with what their e-mails need (the session, its host, the person), in three queries."""
    if not booking_ids:
        return []
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.id.in_(booking_ids))
            .order_by(Booking.id)
            .options(selectinload(Booking.session).joinedload(Session.host), selectinload(Booking.user))
            .execution_options(populate_existing=True)
        )
    )


def _request_feedback(booking_ids: list[int], *, now: datetime) -> int:
    """Ask those of `booking_ids` who attended and have not been asked yet for feedback; the number asked."""
    asked = _with_people(_mark(booking_ids, Booking.feedback_requested_at, now=now, also=(Booking.attended.is_(True),)))
    for booking in asked:
        session = booking.session
        audit.record("session.feedback_requested", obj=booking, session_id=session.id)
        outbox.enqueue(
            to=booking.user.email,
            subject=f"How was it? {session.title}",
            template="emails/session_feedback_request.txt",
            name=booking.user.name,
            title=session.title,
            kind=session.kind.label,
            when=when_text(session),
            link=url_for("sessions.give_feedback", session_id=session.id, _external=True),
        )
    return len(asked)


def reminder_day(session_day: date, working_days: int = REMINDER_WORKING_DAYS) -> date:
    """The working day `working_days` working days before `session_day`: Thursday for a Monday session."""
    day, left = session_day, working_days
    while left:
        day -= timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def send_session_reminders(now: datetime | None = None) -> int:
    """Remind everyone booked, two working days before their session (or later, if that was missed, up to
    the start), each booking once (see above). The number reminded."""
    now = now or utcnow()
    today = local_date(now)
    due = db.session.execute(
        select(Booking.id, Session.starts_at)
        .join(Session, Booking.session_id == Session.id)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.reminder_sent_at.is_(None),
            Session.cancelled_at.is_(None),
            Session.starts_at > now,
            Session.starts_at < now + timedelta(days=14),
        )
        .order_by(Booking.id)
    ).all()
    ids = [booking_id for booking_id, starts_at in due if reminder_day(local_date(starts_at)) <= today]
    reminded = _with_people(_mark(ids, Booking.reminder_sent_at, now=now))
    for booking in reminded:
        audit.record("session.reminder_sent", obj=booking, session_id=booking.session_id)
        notices.send_plain(
            booking,
            subject=f"Reminder: {booking.session.title}",
            what="A reminder of the session you are booked on.",
            template="emails/session_reminder.txt",
        )
    db.session.flush()
    return len(reminded)


def send_feedback_requests(now: datetime | None = None) -> int:
    """Ask those who attended for feedback once their session has ended, when attendance was recorded
    before the end (otherwise `record_attendance` has asked already); each booking once (see above).
    Sessions that ended more than FEEDBACK_REQUEST_DAYS ago are left: too late to ask. The number asked."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Booking.id)
        .join(Session, Booking.session_id == Session.id)
        .join(User, Booking.user_id == User.id)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.attended.is_(True),
            Booking.feedback_requested_at.is_(None),
            Session.cancelled_at.is_(None),
            Session.ends_at <= now,
            Session.ends_at > now - timedelta(days=FEEDBACK_REQUEST_DAYS),
            User.disabled_at.is_(None),
        )
        .order_by(Booking.id)
    )
    asked = _request_feedback(list(due), now=now)
    db.session.flush()
    return asked
