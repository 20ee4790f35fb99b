"""Quarterly partnership meetings: invitations, answers, register, minutes, action log and coverage."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal import access
from portal.common.errors import DomainError
from portal.common.forms import show_domain_error
from portal.common.periods import quarter
from portal.common.permissions import NotFound, current_person, role_required
from portal.common.roles import Role
from portal.common.times import london_today, when_text, where_text
from portal.meetings import owners, record, services, types
from portal.meetings.coverage import coverage_for  # by name: the view below is called coverage
from portal.meetings.forms import (
    ActionForm,
    ActionUpdateForm,
    MeetingAnswerForm,
    MeetingCancelForm,
    MeetingForm,
    MeetingTypeForm,
    MinutesForm,
    register_form,
)
from portal.meetings.models import MeetingAnswer, PartnershipMeeting, Rag

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

PEOPLE = (Role.PARTNER, Role.PRACTITIONER, Role.MANAGER)


def _meeting_url(meeting: PartnershipMeeting, anchor: str | None = None) -> str:
    return url_for("meetings.meeting_page", meeting_id=meeting.id, _anchor=anchor)


@bp.route("")
@role_required(*PEOPLE)
def list_meetings() -> ResponseReturnValue:
    me = current_person()
    filters = services.parse_filters(request.args)
    listing = services.list_meetings(me, filters)
    return render_template(
        "meetings/list.html",
        listing=listing,
        filters=filters,
        selected=_selected_filters(filters, listing),
        manager=me.role is Role.MANAGER,
        status_of=services.status_label,
        when_of=when_text,
        title="Partnership meetings",
    )


def _selected_filters(
    filters: services.MeetingFilters, listing: services.MeetingListing
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The chosen filters as tags that remove themselves."""
    selected = []
    if filters.locality_id is not None:
        name = next((loc.name for loc in listing.localities if loc.id == filters.locality_id), "Outside your area")
        selected.append(
            ("Locality", [(name, url_for("meetings.list_meetings", **replace(filters, locality_id=None).as_args()))])
        )
    if filters.quarter is not None:
        words = f"{filters.quarter.label} ({filters.quarter.long_label})"
        selected.append(
            ("Quarter", [(words, url_for("meetings.list_meetings", **replace(filters, quarter=None).as_args()))])
        )
    return selected


@bp.route("/schedule", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def schedule_meeting() -> ResponseReturnValue:
    me = current_person()
    localities = access.managed_localities(me)
    if not localities:
        flash("You do not manage a locality, so there is no meeting for you to schedule.", "info")
        return redirect(url_for("meetings.list_meetings"))
    form = MeetingForm(
        localities=[(loc.id, loc.name) for loc in localities],
        types=[(str(t.id), t.name) for t in types.meeting_types()],
        agencies=types.agency_choices(),
        people=types.person_choices(),
    )
    if request.method == "GET" and request.args.get("locality_id", type=int) in {loc.id for loc in localities}:
        form.locality_id.data = request.args.get("locality_id", type=int)
    if form.validate_on_submit():
        starts_at, ends_at = form.starts_at(), form.ends_at()
        assert starts_at is not None and ends_at is not None  # noqa: S101 (the form has checked both)
        try:
            meeting = services.schedule_meeting(
                by=me,
                locality_id=form.locality_id.data,
                starts_at=starts_at,
                ends_at=ends_at,
                location=form.location.data or "",
                online_link=form.online_link.data or "",
                agenda=form.agenda.data or "",
                confirmed=bool(form.confirm_identifiers.data),
                meeting_type_id=form.meeting_type_id(),
                also_invite=form.agency_ids(),
                also_invite_people=form.people_ids(),
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="on")
        else:
            flash(f"Meeting scheduled. {services.invitation_summary(meeting)}", "success")
            return redirect(_meeting_url(meeting))
    return render_template(
        "meetings/meeting_form.html",
        form=form,
        localities=localities,
        this_quarter=quarter(london_today()),
        title="Schedule a partnership meeting",
    )


def _meeting_page(meeting: PartnershipMeeting, answer_form: MeetingAnswerForm | None = None) -> str:
    me = current_person()
    invitation = services.invitation_of(meeting, me)
    manages = services.is_manager_of(me, meeting)
    if answer_form is None:
        answer_form = MeetingAnswerForm(
            formdata=None,
            personal=invitation is not None and invitation.user_id is not None,
            yours=services.whose_answer(invitation) if invitation is not None else "your school",
        )
        if invitation is not None and invitation.answer is not MeetingAnswer.NOT_ANSWERED:
            answer_form.answer.data = invitation.answer.value
            answer_form.attendees.data = invitation.attendees
    return render_template(
        "meetings/meeting.html",
        meeting=meeting,
        status=services.status_label(meeting),
        when=when_text(meeting),
        where=where_text(meeting),
        manages=manages,
        staff=me.role is not Role.PARTNER,
        invitation=invitation,
        invitations=services.invitations_by_school(meeting),
        can_answer=invitation is not None and services.is_open(meeting),
        is_open=services.is_open(meeting),
        is_held=services.is_held(meeting),
        show_minutes=bool(meeting.minutes) and (manages or meeting.minutes_published_at is not None),
        raised=(raised := record.raised_at(meeting)),
        carried=(carried := record.carried_forward(meeting)),
        own_action_ids=owners.owned_ids(me, raised + carried),
        today=london_today(),
        answer_form=answer_form,
        form=answer_form,
        title=meeting.title,
    )


@bp.route("/<int:meeting_id>")
@role_required(*PEOPLE)
def meeting_page(meeting_id: int) -> ResponseReturnValue:
    return _meeting_page(services.get_meeting(meeting_id, user=current_person()))


@bp.route("/<int:meeting_id>/change", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def change_meeting(meeting_id: int) -> ResponseReturnValue:
    meeting = services.get_meeting_to_manage(meeting_id, user=current_person())
    if not services.is_open(meeting):
        flash("This meeting can no longer be changed: it has been cancelled or has started.", "info")
        return redirect(_meeting_url(meeting))
    form = MeetingForm()
    if request.method == "GET":
        form.show_times(meeting.starts_at, meeting.ends_at)
        form.location.data = meeting.location
        form.online_link.data = meeting.online_link
        form.agenda.data = meeting.agenda
    elif form.validate_on_submit():
        starts_at, ends_at = form.starts_at(), form.ends_at()
        assert starts_at is not None and ends_at is not None  # noqa: S101 (the form has checked both)
        try:
            services.change_meeting(
                meeting,
                by=current_person(),
                starts_at=starts_at,
                ends_at=ends_at,
                location=form.location.data or "",
                online_link=form.online_link.data or "",
                agenda=form.agenda.data or "",
                confirmed=bool(form.confirm_identifiers.data),
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="on")
        else:
            flash("The meeting has been changed. The schools have been sent the new details.", "success")
            return redirect(_meeting_url(meeting))
    form.submit.label.text = "Save and send the change"
    return render_template("meetings/meeting_form.html", form=form, meeting=meeting, title="Change the meeting")


@bp.route("/<int:meeting_id>/cancel")
@role_required(Role.MANAGER)
def confirm_cancel_meeting(meeting_id: int) -> ResponseReturnValue:
    meeting = services.get_meeting_to_manage(meeting_id, user=current_person())
    if not services.is_open(meeting):
        flash("This meeting can no longer be cancelled: it has been cancelled or has started.", "info")
        return redirect(_meeting_url(meeting))
    return render_template(
        "meetings/cancel.html",
        meeting=meeting,
        when=when_text(meeting),
        where=where_text(meeting),
        invitations=services.invitations_by_school(meeting),
        form=MeetingCancelForm(formdata=None),
        title="Are you sure you want to cancel the meeting?",
    )


@bp.route("/<int:meeting_id>/cancel", methods=["POST"])
@role_required(Role.MANAGER)
def cancel_meeting(meeting_id: int) -> ResponseReturnValue:
    meeting = services.get_meeting_to_manage(meeting_id, user=current_person())
    if not MeetingCancelForm().validate_on_submit():  # not a yes from the question page: ask it
        return redirect(url_for("meetings.confirm_cancel_meeting", meeting_id=meeting.id))
    try:
        services.cancel_meeting(meeting, by=current_person())
    except DomainError as error:
        flash(error.message, "info")
    else:
        flash("The meeting has been cancelled. The schools have been told.", "success")
    return redirect(_meeting_url(meeting))


@bp.route("/<int:meeting_id>/answer", methods=["POST"])
@role_required(Role.PARTNER)
def answer_meeting(meeting_id: int) -> ResponseReturnValue:
    me = current_person()
    meeting = services.get_meeting(meeting_id, user=me)
    invitation = services.invitation_of(meeting, me)
    if invitation is None:
        raise NotFound
    form = MeetingAnswerForm(personal=invitation.user_id is not None, yours=services.whose_answer(invitation))
    if form.validate_on_submit():
        try:
            services.answer_invitation(
                meeting, by=me, answer=MeetingAnswer(form.answer.data), attendees=form.attendees.data or ""
            )
        except DomainError as error:
            if not error.field:  # the meeting itself can no longer be answered
                flash(error.message, "info")
                return redirect(_meeting_url(meeting))
            show_domain_error(form, error, fallback="answer")
        else:
            flash(f"The answer for {services.whose_answer(invitation)} has been saved.", "success")
            return redirect(_meeting_url(meeting, "your-answer"))
    return _meeting_page(meeting, form)


def _held_or_redirect(meeting: PartnershipMeeting) -> ResponseReturnValue | None:
    if meeting.cancelled_at is not None:
        flash("This meeting was cancelled.", "info")
        return redirect(_meeting_url(meeting))
    if not services.has_started(meeting):
        flash("You can record the register, minutes and actions once the meeting has started.", "info")
        return redirect(_meeting_url(meeting))
    return None


@bp.route("/<int:meeting_id>/register", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def record_register(meeting_id: int) -> ResponseReturnValue:
    meeting = services.get_meeting_to_manage(meeting_id, user=current_person())
    if (early := _held_or_redirect(meeting)) is not None:
        return early
    invitations = services.invitations_by_school(meeting)
    form = register_form(invitations)
    if request.method == "GET":
        form.fill(record.register_draft(meeting))
    elif form.validate_on_submit():
        try:
            record.record_register(meeting, by=current_person(), entries=form.entries())
        except DomainError as error:
            show_domain_error(form, error, fallback=f"represented_{invitations[0].id}" if invitations else "submit")
        else:
            flash("Register saved.", "success")
            return redirect(_meeting_url(meeting, "register"))
    return render_template(
        "meetings/register.html", meeting=meeting, form=form, when=when_text(meeting), title="Register"
    )


@bp.route("/<int:meeting_id>/minutes", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def write_minutes(meeting_id: int) -> ResponseReturnValue:
    meeting = services.get_meeting_to_manage(meeting_id, user=current_person())
    if (early := _held_or_redirect(meeting)) is not None:
        return early
    form = MinutesForm()
    if request.method == "GET":
        form.minutes.data = meeting.minutes
    elif form.validate_on_submit():
        try:
            record.save_minutes(
                meeting,
                by=current_person(),
                minutes=form.minutes.data or "",
                publish=bool(form.publish.data),
                confirmed=bool(form.confirm_identifiers.data),
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="minutes")
        else:
            published = meeting.minutes_published_at is not None
            flash("Minutes published: partners can read them." if published else "Draft minutes saved.", "success")
            return redirect(_meeting_url(meeting, "minutes"))
    return render_template(
        "meetings/minutes.html",
        meeting=meeting,
        form=form,
        when=when_text(meeting),
        title="Minutes",
    )


@bp.route("/<int:meeting_id>/actions/new", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def add_action(meeting_id: int) -> ResponseReturnValue:
    meeting = services.get_meeting_to_manage(meeting_id, user=current_person())
    if (early := _held_or_redirect(meeting)) is not None:
        return early
    form = ActionForm(owners=record.owner_choices(meeting))
    if form.validate_on_submit():
        assert form.due_on.data is not None  # noqa: S101 (the form has checked it)
        try:
            record.add_action(
                meeting,
                by=current_person(),
                text=form.text.data or "",
                owner=form.owner.data or "",
                due_on=form.due_on.data,
                rag=Rag(form.rag.data),
                confirmed=bool(form.confirm_identifiers.data),
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="text")
        else:
            flash("Action added to the log.", "success")
            return redirect(_meeting_url(meeting, "actions"))
    return render_template("meetings/action_form.html", meeting=meeting, form=form, title="Add an action")


@bp.route("/<int:meeting_id>/actions/<int:action_id>", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def update_action(meeting_id: int, action_id: int) -> ResponseReturnValue:
    meeting = services.get_meeting_to_manage(meeting_id, user=current_person())
    action = record.get_action(meeting, action_id, user=current_person())
    form = ActionUpdateForm()
    if request.method == "GET":
        form.rag.data = action.rag.value
        form.done.data = action.done_at is not None
        form.note.data = action.update_note
    elif form.validate_on_submit():
        try:
            record.update_action(
                meeting,
                action,
                by=current_person(),
                rag=Rag(form.rag.data),
                done=bool(form.done.data),
                note=form.note.data or "",
                confirmed=bool(form.confirm_identifiers.data),
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="rag")
        else:
            flash("Action updated.", "success")
            return redirect(_meeting_url(meeting, "actions"))
    return render_template(
        "meetings/action_update.html",
        meeting=meeting,
        action=action,
        today=london_today(),
        form=form,
        title="Update the action",
    )


@bp.route("/actions")
@role_required(*PEOPLE)
def my_actions() -> ResponseReturnValue:
    """The actions this person (or their organisation) owns, across every meeting."""
    return render_template("meetings/my_actions.html", mine=owners.my_actions(current_person()), title="My actions")


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
@role_required(*PEOPLE)
def action_page(action_id: int) -> ResponseReturnValue:
    """One action, its history, and (for its owner or a manager of its locality) the update form."""
    me = current_person()
    action = owners.get_action(action_id, user=me)
    form = ActionUpdateForm()
    if request.method == "GET":
        form.rag.data = action.rag.value
        form.done.data = action.done_at is not None
        form.note.data = action.update_note
    elif form.validate_on_submit():
        try:
            owners.update_own_action(
                action,
                by=me,
                rag=Rag(form.rag.data),
                done=bool(form.done.data),
                note=form.note.data or "",
                confirmed=bool(form.confirm_identifiers.data),
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="rag")
        else:
            flash("Action updated.", "success")
            return redirect(url_for("meetings.action_page", action_id=action.id))
    return render_template("meetings/action.html", action=action, form=form, today=london_today(), title="Your action")


@bp.route("/types", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def meeting_types() -> ResponseReturnValue:
    """The kinds of meeting beyond the school partnership meeting, and the form to name another."""
    form = MeetingTypeForm()
    if form.validate_on_submit():
        try:
            added = types.add_meeting_type(by=current_person(), name=form.name.data or "", kinds=form.kinds.data or [])
        except DomainError as error:
            show_domain_error(form, error, fallback="name")
        else:
            flash(f"{added.name} added: managers can schedule one now.", "success")
            return redirect(url_for("meetings.meeting_types"))
    return render_template(
        "meetings/types.html",
        types=types.meeting_types(),
        form=form,
        kind_labels=types.KIND_LABELS,
        title="Meeting types",
    )


@bp.route("/coverage")
@role_required(Role.MANAGER, Role.ADMIN)
def coverage() -> ResponseReturnValue:
    grids = coverage_for(current_person())
    return render_template("meetings/coverage.html", grids=grids, title="Meeting coverage")
