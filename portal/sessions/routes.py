"""Front Door shadowing and locality open days: publish, book, waiting list, attendance and feedback."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal import access
from portal.accounts.models import User
from portal.common.errors import DomainError
from portal.common.forms import show_domain_error
from portal.common.http import page_number
from portal.common.permissions import current_person, role_required
from portal.common.roles import Role
from portal.common.times import london_today, when_text
from portal.models_base import utcnow
from portal.sessions import follow_up, publishing, services
from portal.sessions.forms import (
    AttendanceForm,
    BookingForm,
    CancelBookingForm,
    CancelSessionForm,
    FeedbackForm,
    SessionChangeForm,
    SessionCreateForm,
    WaitingListForm,
)
from portal.sessions.models import BookingStatus, Session, SessionKind
from portal.sessions.services import Outcome

bp = Blueprint("sessions", __name__, url_prefix="/sessions")

PEOPLE = (Role.PARTNER, Role.PRACTITIONER, Role.MANAGER)
STAFF = (Role.PRACTITIONER, Role.MANAGER)

# The session forms' names for what the services call the times.
_FIELDS = {"starts_at": "starts", "ends_at": "ends"}


def _session_url(session: Session) -> str:
    return url_for("sessions.session_page", session_id=session.id)


def _hosts(manager: User, *, keep: int | None = None) -> list[tuple[int, str]]:
    return [
        (u.id, f"{u.name}, {u.job_title}" if u.job_title else u.name)
        for u in access.choosable_staff(manager, keep=keep)
    ]


@bp.route("/")
@role_required(*PEOPLE)
def list_sessions() -> ResponseReturnValue:
    me = current_person()
    filters = services.parse_filters(request.args, today=london_today())
    listing = services.list_upcoming(page=page_number(), filters=filters)
    return render_template(
        "sessions/list.html",
        title="Shadowing and open days",
        listing=listing,
        filters=filters,
        **_filter_panel(filters),
        sessions=listing.sessions,
        mine=services.bookings_by_session(me, listing.sessions) if me.role is Role.PARTNER else {},
        managed=set(access.managed_locality_ids(me)),
        follow_up=follow_up.list_to_follow_up(me) if me.is_staff else [],
        when=when_text,
    )


def _filter_panel(filters: services.SessionFilters) -> dict[str, Any]:
    """The filter panel's choices, each marked when chosen, and the chosen ones as tags that remove themselves."""
    f = filters

    def without(**change: Any) -> str:
        return url_for("sessions.list_sessions", **replace(f, **change).as_args())

    localities = services.filter_localities()
    months = services.filter_months(london_today())
    selected: list[tuple[str, list[tuple[str, str]]]] = []
    name = next((loc.name for loc in localities if loc.id == f.locality_id), "Another locality")
    if f.locality_id is not None:
        selected.append(("Locality", [(name, without(locality_id=None))]))
    if f.kinds:
        selected.append(("Type", [(k.label, without(kinds=tuple(x for x in f.kinds if x is not k))) for k in f.kinds]))
    if f.month is not None:
        selected.append(("Month", [(f.month.label, without(month=None))]))
    return {
        "selected": selected,
        "locality_items": [{"value": "", "text": "Any locality"}]
        + [{"value": str(loc.id), "text": loc.name, "selected": loc.id == f.locality_id} for loc in localities],
        "kind_items": [{"value": k.value, "text": k.label, "checked": k in f.kinds} for k in SessionKind],
        "month_items": [{"value": "", "text": "Any month"}]
        + [{"value": m.key, "text": m.label, "selected": m == f.month} for m in months],
    }


@bp.route("/mine")
@role_required(Role.PARTNER)
def my_bookings() -> ResponseReturnValue:
    return render_template(
        "sessions/mine.html",
        title="Your bookings",
        bookings=services.list_my_bookings(current_person()),
        when=when_text,
        now=utcnow(),
    )


def _session_page(session: Session, *, form: Any = None, status: int = 200) -> ResponseReturnValue:
    me = current_person()
    booking = services.booking_of(session, me) if me.role is Role.PARTNER else None
    active = booking is not None and booking.status is not BookingStatus.CANCELLED
    if form is None:
        form = WaitingListForm(formdata=None) if session.is_full else BookingForm(formdata=None)
    return (
        render_template(
            "sessions/session.html",
            title=session.title,
            event=session,
            booking=booking if active else None,
            position=services.waiting_position(booking)
            if booking is not None and booking.status is BookingStatus.WAITLISTED
            else None,
            form=form,
            is_open=services.is_open(session),
            status=services.status_label(session),
            when=when_text(session),
            expectations=services.CONFIDENTIALITY_EXPECTATIONS,
            needs_confidentiality=services.needs_confidentiality(session),
            can_manage=services.can_manage(me, session),
            can_record=services.can_record_attendance(me, session) and services.has_started(session),
            partner=me.role is Role.PARTNER,
        ),
        status,
    )


@bp.route("/<int:session_id>")
@role_required(*PEOPLE)
def session_page(session_id: int) -> ResponseReturnValue:
    return _session_page(services.get_session(session_id, user=current_person()))


_MESSAGES = {
    Outcome.BOOKED: ("success", "Your place is booked. We have emailed you the details and a calendar file."),
    Outcome.WAITLISTED: (
        "success",
        "You are on the waiting list. If a place comes free, it goes to the first on the list, and we will email you.",
    ),
    Outcome.ALREADY_BOOKED: ("info", "You already have a place on this session."),
    Outcome.ALREADY_WAITLISTED: ("info", "You are already on the waiting list for this session."),
    Outcome.FULL: ("info", "Sorry, this session is full. You can join the waiting list."),
}


def _book(session_id: int, *, queue: bool) -> ResponseReturnValue:
    session = services.get_session(session_id, user=current_person())
    form = WaitingListForm() if queue else BookingForm()
    if not form.validate_on_submit():
        return _session_page(session, form=form)
    action = services.join_waiting_list if queue else services.book_session
    try:
        result = action(session, by=current_person(), confidentiality_accepted=bool(form.confidentiality.data))
    except DomainError as error:
        if error.field == "confidentiality":
            show_domain_error(form, error)
            return _session_page(session, form=form)
        flash(error.message, "info")
        return redirect(_session_url(session))
    category, message = _MESSAGES[result.outcome]
    flash(message, category)
    return redirect(_session_url(session))


@bp.route("/<int:session_id>/book", methods=["POST"])
@role_required(Role.PARTNER)
def book_session(session_id: int) -> ResponseReturnValue:
    return _book(session_id, queue=False)


@bp.route("/<int:session_id>/waiting-list", methods=["POST"])
@role_required(Role.PARTNER)
def join_waiting_list(session_id: int) -> ResponseReturnValue:
    return _book(session_id, queue=True)


def _active_booking(session: Session) -> Any:
    booking = services.booking_of(session, current_person())
    return booking if booking is not None and booking.status is not BookingStatus.CANCELLED else None


@bp.route("/<int:session_id>/cancel-booking")
@role_required(Role.PARTNER)
def confirm_cancel_booking(session_id: int) -> ResponseReturnValue:
    session = services.get_session(session_id, user=current_person())
    booking = _active_booking(session)
    if booking is None or not services.is_open(session):
        flash("You have no place on this session to cancel.", "info")
        return redirect(_session_url(session))
    waiting = booking.status is BookingStatus.WAITLISTED
    return render_template(
        "sessions/cancel_booking.html",
        title="Are you sure you want to leave the waiting list?"
        if waiting
        else "Are you sure you want to cancel your place?",
        event=session,
        booking=booking,
        waiting=waiting,
        position=services.waiting_position(booking) if waiting else None,
        when=when_text(session),
        form=CancelBookingForm(formdata=None),
    )


@bp.route("/<int:session_id>/cancel-booking", methods=["POST"])
@role_required(Role.PARTNER)
def cancel_booking(session_id: int) -> ResponseReturnValue:
    session = services.get_session(session_id, user=current_person())
    if not CancelBookingForm().validate_on_submit():  # not a yes from the question page: ask it
        return redirect(url_for("sessions.confirm_cancel_booking", session_id=session.id))
    active = _active_booking(session)
    waiting = active is not None and active.status is BookingStatus.WAITLISTED
    try:
        booking = services.cancel_booking(session, by=current_person())
    except DomainError as error:
        flash(error.message, "info")
    else:
        if booking is None:
            flash("Your place was already cancelled.", "info")
        elif waiting:
            flash("You have left the waiting list. We have emailed you to confirm.", "success")
        else:
            flash("Your place is cancelled. We have emailed you to confirm.", "success")
    return redirect(_session_url(session))


# --- managers -------------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def new_session() -> ResponseReturnValue:
    me = current_person()
    localities = [(loc.id, loc.name) for loc in access.managed_localities(me)]
    form = SessionCreateForm(hosts=_hosts(me), localities=localities)
    if request.method == "GET":
        form.host_id.data = me.id
    if form.validate_on_submit():
        starts_at, ends_at = form.starts_at(), form.ends_at()
        assert starts_at is not None and ends_at is not None  # noqa: S101 (the form has checked both)
        try:
            session = publishing.publish_session(
                by=me,
                kind=SessionKind(form.kind.data),
                locality_id=form.locality_id.data or 0,
                title=form.title.data or "",
                description=form.description.data or "",
                starts_at=starts_at,
                ends_at=ends_at,
                location=form.location.data or "",
                what_to_bring=form.what_to_bring.data or "",
                capacity=form.capacity.data or 0,
                host_id=form.host_id.data or 0,
            )
        except DomainError as error:
            show_domain_error(form, error, fields=_FIELDS, fallback="title")
        else:
            flash("The session is published. Partners can book it now.", "success")
            return redirect(_session_url(session))
    return render_template("sessions/form.html", form=form, title="Publish a session")


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def edit_session(session_id: int) -> ResponseReturnValue:
    session = services.get_managed_session(session_id, user=current_person())
    if not services.is_open(session):
        flash("This session can no longer be changed: it has been cancelled or has started.", "info")
        return redirect(_session_url(session))
    form = SessionChangeForm(hosts=_hosts(current_person(), keep=session.host_id))
    if request.method == "GET":
        form.title.data = session.title
        form.description.data = session.description
        form.show_times(session.starts_at, session.ends_at)
        form.location.data = session.location
        form.capacity.data = session.capacity
        form.host_id.data = session.host_id
        form.what_to_bring.data = session.what_to_bring
    elif form.validate_on_submit():
        starts_at, ends_at = form.starts_at(), form.ends_at()
        assert starts_at is not None and ends_at is not None  # noqa: S101 (the form has checked both)
        try:
            publishing.change_session(
                session,
                by=current_person(),
                title=form.title.data or "",
                description=form.description.data or "",
                starts_at=starts_at,
                ends_at=ends_at,
                location=form.location.data or "",
                what_to_bring=form.what_to_bring.data or "",
                capacity=form.capacity.data or 0,
                host_id=form.host_id.data or 0,
            )
        except DomainError as error:
            show_domain_error(form, error, fields=_FIELDS, fallback="title")
        else:
            flash("The session has been changed. Everyone booked has been sent the new details.", "success")
            return redirect(_session_url(session))
    return render_template("sessions/form.html", form=form, title="Change the session", event=session)


@bp.route("/<int:session_id>/cancel")
@role_required(Role.MANAGER)
def confirm_cancel_session(session_id: int) -> ResponseReturnValue:
    session = services.get_managed_session(session_id, user=current_person())
    if not services.is_open(session):
        flash("This session can no longer be cancelled: it has been cancelled or has started.", "info")
        return redirect(url_for("sessions.session_bookings", session_id=session.id))
    confirmed, waiting, _ = services.session_bookings(session)
    return render_template(
        "sessions/cancel_session.html",
        title="Are you sure you want to cancel the session?",
        event=session,
        confirmed=confirmed,
        waiting=waiting,
        when=when_text(session),
        form=CancelSessionForm(formdata=None),
    )


@bp.route("/<int:session_id>/cancel", methods=["POST"])
@role_required(Role.MANAGER)
def cancel_session(session_id: int) -> ResponseReturnValue:
    session = services.get_managed_session(session_id, user=current_person())
    if not CancelSessionForm().validate_on_submit():  # not a yes from the question page: ask it
        return redirect(url_for("sessions.confirm_cancel_session", session_id=session.id))
    try:
        publishing.cancel_session(session, by=current_person())
    except DomainError as error:
        flash(error.message, "info")
    else:
        flash("The session is cancelled. Everyone booked or waiting has been told.", "success")
    return redirect(url_for("sessions.session_bookings", session_id=session.id))


@bp.route("/<int:session_id>/bookings")
@role_required(Role.MANAGER)
def session_bookings(session_id: int) -> ResponseReturnValue:
    session = services.get_managed_session(session_id, user=current_person())
    confirmed, waiting, cancelled = services.session_bookings(session)
    return render_template(
        "sessions/bookings.html",
        title="Bookings and waiting list",
        event=session,
        confirmed=confirmed,
        waiting=waiting,
        cancelled=cancelled,
        when=when_text(session),
        status=services.status_label(session),
        is_open=services.is_open(session),
        has_started=services.has_started(session),
    )


@bp.route("/<int:session_id>/attendance", methods=["GET", "POST"])
@role_required(*STAFF)
def record_attendance(session_id: int) -> ResponseReturnValue:
    session = services.get_session_for_attendance(session_id, user=current_person())
    try:
        follow_up.ensure_attendance_can_be_recorded(session)
    except DomainError as error:
        flash(f"{error.message}.", "info")
        return redirect(_session_url(session))
    confirmed, _, _ = services.session_bookings(session)
    form = AttendanceForm()
    form.attended_ids.choices = [
        (b.id, f"{b.user.name}, {b.user.organisation.name}" if b.user.organisation else b.user.name) for b in confirmed
    ]
    if request.method == "GET":
        form.attended_ids.data = [b.id for b in confirmed if b.attended]
    elif form.validate_on_submit():
        try:
            follow_up.record_attendance(session, by=current_person(), attended_booking_ids=form.attended_ids.data or [])
        except DomainError as error:
            show_domain_error(form, error, fallback="attended_ids")
        else:
            if follow_up.has_ended(session):
                flash("Attendance recorded. Everyone who came has been asked for feedback.", "success")
            else:
                flash(
                    "Attendance recorded. Everyone who came will be asked for feedback when the session ends.",
                    "success",
                )
            return redirect(_session_url(session))
    return render_template(
        "sessions/attendance.html",
        title="Record attendance",
        event=session,
        form=form,
        confirmed=confirmed,
        when=when_text(session),
    )


@bp.route("/<int:session_id>/feedback", methods=["GET", "POST"])
@role_required(Role.PARTNER)
def give_feedback(session_id: int) -> ResponseReturnValue:
    booking = follow_up.get_attended_booking(session_id, user=current_person())
    form = FeedbackForm()
    if booking.feedback is None and form.validate_on_submit():
        try:
            follow_up.give_feedback(
                booking,
                by=current_person(),
                rating=int(form.rating.data),
                comments=form.comments.data or "",
                confirmed=bool(form.confirm_identifiers.data),
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="rating")
        else:
            flash("Thank you for your feedback.", "success")
            return redirect(url_for("sessions.my_bookings"))
    return render_template(
        "sessions/feedback.html",
        title="Tell us how the session was",
        booking=booking,
        event=booking.session,
        form=form,
        when=when_text(booking.session),
    )


@bp.route("/uptake")
@role_required(Role.MANAGER)
def uptake() -> ResponseReturnValue:
    me = current_person()
    period, choices = services.uptake_period(request.args.get("period", ""))
    localities = access.managed_localities(me)
    rows = services.uptake([loc.id for loc in localities], period.start, period.end)
    return render_template(
        "sessions/uptake.html",
        title="Shadowing and open-day uptake",
        period=period,
        choices=choices,
        localities=localities,
        rows=rows,
        kinds=list(SessionKind),
    )
