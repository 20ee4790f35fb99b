"""Front Door shadowing and locality open days: who may see and do what, reading, booking, the waiting list.

Publishing, changing and cancelling a session are in `portal.sessions.publishing`; attendance, feedback,
reminders and feedback requests in `portal.sessions.follow_up`. Both change a session's places and bookings
under the session-row lock described here, through `lock_session`.

Capacity is a counter on the session row (`engagement_session.booked`) that only conditional UPDATEs
change, so it holds under any number of concurrent requests, on SQLite and on PostgreSQL alike:

- every change to a session's places starts by *locking the session row* (`lock_session`) with an
  UPDATE that changes nothing (`SET booked = booked`). On PostgreSQL that is a row lock held to the end
  of the transaction; on SQLite it takes the database's write lock (waiting up to the busy timeout) and
  starts the transaction with a write, so every read after it sees the latest commits. Booking, joining
  the waiting list, cancelling and promoting a session's bookings (and, in the sibling modules, changing
  a session and recording its attendance) therefore happen one at a time per session, and reads made
  after the lock are current;
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
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import access
from portal.accounts.models import User
from portal.common import audit, periods
from portal.common.errors import DomainError
from portal.common.periods import Period
from portal.common.permissions import NotFound
from portal.common.roles import Role
from portal.common.times import london_midnight
from portal.common.working_days import local_date
from portal.directory.models import Locality
from portal.extensions import db
from portal.models_base import utcnow
from portal.sessions import notices
from portal.sessions.models import Booking, BookingStatus, Session, SessionKind
from portal.sessions.uptake import UptakeRow, uptake

__all__ = ["UptakeRow", "uptake"]  # re-exported: the dashboards and the pages use them from here

TITLE_MAX = 200
LOCATION_MAX = 300
TEXT_MAX = 2000
CAPACITY_MAX = 200
UPCOMING_PAGE_SIZE = 25
FILTER_MONTHS = 12
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


def can_manage(user: User, session: Session) -> bool:
    """A manager of the session's locality (portal.access.manages)."""
    return access.manages(user, session.locality_id)


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


@dataclass(frozen=True)
class SessionFilters:
    """The upcoming list's filters, read from the URL so a filtered list can be linked to. Unknown or malformed
    values count as not chosen."""

    locality_id: int | None = None
    kinds: tuple[SessionKind, ...] = ()
    month: Period | None = None

    @property
    def is_default(self) -> bool:
        return self == SessionFilters()

    def as_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {}
        if self.locality_id is not None:
            args["locality"] = str(self.locality_id)
        if self.kinds:
            args["kind"] = [k.value for k in self.kinds]
        if self.month is not None:
            args["month"] = self.month.key
        return args


def parse_filters(args: Any, *, today: date) -> SessionFilters:
    locality = str(args.get("locality", ""))
    known = {k.value: k for k in SessionKind}
    kinds = tuple(dict.fromkeys(known[v] for v in args.getlist("kind") if v in known))
    months = {m.key: m for m in filter_months(today)}
    return SessionFilters(
        locality_id=int(locality) if locality.isascii() and locality.isdigit() and len(locality) <= 9 else None,
        kinds=kinds,
        month=months.get(str(args.get("month", ""))),
    )


def filter_months(today: date) -> list[Period]:
    """The months a person may pick: this one and the next eleven."""
    months = [periods.month(today)]
    while len(months) < FILTER_MONTHS:
        months.append(months[-1].next())
    return months


def filter_localities() -> list[Locality]:
    return list(db.session.scalars(select(Locality).order_by(Locality.name, Locality.id)))


def list_upcoming(*, page: int = 1, now: datetime | None = None, filters: SessionFilters | None = None) -> SessionPage:
    """Sessions still to come and not cancelled, soonest first, UPCOMING_PAGE_SIZE a page: managers may
    publish as far ahead as they like, so the list has no natural end. A page past the last is the last.
    `filters` narrow it to a locality, kinds and a London month."""
    f = filters or SessionFilters()
    upcoming = [Session.starts_at > (now or utcnow()), Session.cancelled_at.is_(None)]
    if f.locality_id is not None:
        upcoming.append(Session.locality_id == f.locality_id)
    if f.kinds:
        upcoming.append(Session.kind.in_(f.kinds))
    if f.month is not None:
        upcoming += [
            Session.starts_at >= london_midnight(f.month.start),
            Session.starts_at < london_midnight(f.month.next().start),
        ]
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
            .options(selectinload(Session.locality))  # the list names no host
        )
    )
    return SessionPage(sessions, total, page, pages)


def bookings_by_session(user: User, sessions: Iterable[Session]) -> dict[int, Booking]:
    """`user`'s bookings (any status) on `sessions`, by session id: the list marks the sessions they are
    booked on."""
    ids = [s.id for s in sessions]
    if not ids:
        return {}
    rows = db.session.scalars(select(Booking).where(Booking.user_id == user.id, Booking.session_id.in_(ids)))
    return {b.session_id: b for b in rows}


def list_my_bookings(user: User, *, now: datetime | None = None) -> list[Booking]:
    """`user`'s places and waiting-list places: those still to come first, soonest first; then the sessions that
    have ended, were cancelled or that they left, latest first."""
    now = now or utcnow()
    bookings = list(
        db.session.scalars(
            select(Booking)
            .join(Session, Booking.session_id == Session.id)
            .where(Booking.user_id == user.id)
            .order_by(Session.starts_at, Booking.id)
            .options(
                selectinload(Booking.session).selectinload(Session.locality),
                selectinload(Booking.feedback),
            )
        )
    )

    def to_come(b: Booking) -> bool:
        return b.status is not BookingStatus.CANCELLED and b.session.cancelled_at is None and b.session.ends_at > now

    return [b for b in bookings if to_come(b)] + [b for b in reversed(bookings) if not to_come(b)]


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


def ensure_open(session: Session) -> None:
    """Refuse a change to a session that is cancelled or has started (see `is_open`)."""
    if session.cancelled_at is not None:
        raise DomainError("This session has been cancelled")
    if has_started(session):
        raise DomainError("This session has already started")


def _ensure_partner(user: User) -> None:
    if user.role is not Role.PARTNER:
        raise NotFound


def needs_confidentiality(session: Session) -> bool:
    return session.kind is SessionKind.FRONT_DOOR_SHADOWING


def _expectations(session: Session) -> tuple[str, ...]:
    """What the confirmation e-mail repeats: the expectations the booker accepted, for shadowing."""
    return CONFIDENTIALITY_EXPECTATIONS if needs_confidentiality(session) else ()


# --- the session row: lock, claim, give back ------------------------------------------------------


def lock_session(session_id: int) -> None:
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


def refresh_session(session: Session) -> Session:
    """Re-read the session row (after a conditional UPDATE has changed it behind the ORM's back)."""
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
    ensure_open(session)
    if needs_confidentiality(session) and not confidentiality_accepted:
        raise DomainError(
            "Confirm that you will follow the confidentiality expectations of the Front Door",
            field="confidentiality",
        )
    already = _already(session, by)
    if already is not None:
        return already

    lock_session(session.id)
    # Under the lock every read is current: a booking made by a request that got here first is seen,
    # and so is a cancellation of the session.
    ensure_open(refresh_session(session))
    already = _already(session, by)
    if already is not None:
        return already
    if _claim_place(session.id):
        booking = _place(session, by, BookingStatus.CONFIRMED, confidentiality_accepted)
        if booking is None:
            _give_back_place(session.id)
            return _already(session, by) or BookingResult(Outcome.FULL, None)
        refresh_session(session)
        audit.record("session.booked", obj=booking, session_id=session.id, booked=session.booked)
        notices.send_confirmation(booking, promoted=False, expectations=_expectations(session))
        db.session.flush()
        return BookingResult(Outcome.BOOKED, booking)
    if not queue:
        refresh_session(session)
        return BookingResult(Outcome.FULL, None)
    booking = _place(session, by, BookingStatus.WAITLISTED, confidentiality_accepted)
    if booking is None:
        return _already(session, by) or BookingResult(Outcome.FULL, None)
    audit.record("session.waitlisted", obj=booking, session_id=session.id)
    refresh_session(session)
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
        raise DomainError("This session has already started: you can no longer cancel your place")
    booking = booking_of(session, by)
    if booking is None:
        raise DomainError("You do not have a place on this session")
    lock_session(session.id)
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
    refresh_session(session)
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
