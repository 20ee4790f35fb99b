"""Pod invites on a request: send, change, cancel, answer, record attendance (routes on the requests blueprint)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal import access
from portal.common import audit
from portal.common.errors import DomainError
from portal.common.forms import show_domain_error
from portal.common.permissions import current_person, role_required
from portal.common.roles import Role
from portal.common.times import when_text, where_text
from portal.requests import invites, services
from portal.requests.invite_forms import (
    AttendanceForm,
    PodInviteCancelForm,
    PodInviteChangeForm,
    PodInviteCreateForm,
    PodInviteResponseForm,
)
from portal.requests.models import ConsultationRequest, InviteResponse, PodInvite
from portal.requests.routes import PEOPLE, STAFF, bp

# The when-and-where forms' names for what the services call the date and times.
_FIELDS = {"date": "on", "starts_at": "starts", "ends_at": "ends"}


@bp.context_processor
def pod_invite_helpers() -> dict[str, Any]:
    """The request page lists the request's pod invites (it is rendered by the requests routes)."""
    return {
        "pod_invites_of": invites.list_pod_invites,
        "pod_invite_status": invites.status_label,
        "pod_invite_when": when_text,
    }


def _invite_url(invite: PodInvite) -> str:
    return url_for("requests.pod_invite", request_id=invite.request_id, invite_id=invite.id)


def _form_page(req: ConsultationRequest, form: Any, title: str, **extra: Any) -> str:
    return render_template("requests/invite_form.html", req=req, form=form, title=title, **extra)


@bp.route("/<int:request_id>/pod-invites/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new_pod_invite(request_id: int) -> ResponseReturnValue:
    req = services.get_request(request_id, user=current_person())
    form = PodInviteCreateForm()
    contacts = invites.invitable_contacts(req)
    form.invitee_ids.choices = [
        (u.id, f"{u.name}, {u.organisation.name}" if u.organisation else u.name) for u in contacts
    ]
    if form.validate_on_submit():
        starts_at, ends_at = form.starts_at(), form.ends_at()
        assert starts_at is not None and ends_at is not None  # noqa: S101 (the form has checked both)
        try:
            invite = invites.send_pod_invite(
                req,
                by=current_person(),
                starts_at=starts_at,
                ends_at=ends_at,
                location=form.location.data or "",
                online_link=form.online_link.data or "",
                invitee_ids=form.invitee_ids.data or [],
            )
        except DomainError as error:
            show_domain_error(form, error, fields={**_FIELDS, "invitees": "invitee_ids"}, fallback="on")
        else:
            invited = len(invite.invitees)
            flash(f"Pod invite sent to {'1 person' if invited == 1 else f'{invited} people'}.", "success")
            return redirect(_invite_url(invite))
    form.submit.label.text = "Send the invite"
    return _form_page(req, form, "Send a pod invite", contacts=contacts)


@bp.route("/<int:request_id>/pod-invites/<int:invite_id>")
@role_required(*PEOPLE)
def pod_invite(request_id: int, invite_id: int) -> ResponseReturnValue:
    invite = invites.get_pod_invite(request_id, invite_id, user=current_person())
    audit.record_now("pod_invite.viewed", actor_id=current_person().id, object_type="PodInvite", object_id=invite.id)
    return _invite_page(invite, PodInviteResponseForm(formdata=None))


def _invite_page(invite: PodInvite, response_form: PodInviteResponseForm) -> str:
    me = current_person()
    invitee = invites.invitee_of(invite, me)
    return render_template(
        "requests/invite.html",
        invite=invite,
        req=invite.request,
        invitee=invitee,
        can_answer=invitee is not None and invites.is_open(invite),
        is_open=invites.is_open(invite),
        has_started=invites.has_started(invite),
        staff=me.role is not Role.PARTNER,
        sees_request=me.role is not Role.PARTNER or access.is_partner_of(me, invite.request.organisation_id),
        status=invites.status_label(invite),
        when=when_text(invite),
        where=where_text(invite),
        response_form=response_form,
        form=response_form,
        title="Pod meeting",
    )


@bp.route("/<int:request_id>/pod-invites/<int:invite_id>/respond", methods=["POST"])
@role_required(Role.PARTNER)
def respond_to_pod_invite(request_id: int, invite_id: int) -> ResponseReturnValue:
    invite = invites.get_pod_invite(request_id, invite_id, user=current_person())
    invites.get_invitee(invite, user=current_person())
    form = PodInviteResponseForm()
    if form.validate_on_submit():
        try:
            invites.respond_to_pod_invite(
                invite,
                by=current_person(),
                response=InviteResponse(form.response.data),
                proposed_starts_at=form.proposed_starts_at(),
            )
        except DomainError as error:
            if not error.field:  # the meeting itself can no longer be answered
                flash(error.message, "info")
                return redirect(_invite_url(invite))
            show_domain_error(form, error, fields={"proposed_starts_at": "proposed_at"}, fallback="response")
        else:
            flash("Your answer has been sent to the organiser.", "success")
            return redirect(_invite_url(invite))
    return _invite_page(invite, form)


@bp.route("/<int:request_id>/pod-invites/<int:invite_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit_pod_invite(request_id: int, invite_id: int) -> ResponseReturnValue:
    invite = invites.get_pod_invite(request_id, invite_id, user=current_person())
    if not invites.is_open(invite):
        flash("This meeting can no longer be changed: it has been cancelled or has started.", "info")
        return redirect(_invite_url(invite))
    form = PodInviteChangeForm()
    if request.method == "GET":
        form.show_times(invite.starts_at, invite.ends_at)
        form.location.data = invite.location
        form.online_link.data = invite.online_link
    elif form.validate_on_submit():
        starts_at, ends_at = form.starts_at(), form.ends_at()
        assert starts_at is not None and ends_at is not None  # noqa: S101 (the form has checked both)
        try:
            invites.change_pod_invite(
                invite,
                by=current_person(),
                starts_at=starts_at,
                ends_at=ends_at,
                location=form.location.data or "",
                online_link=form.online_link.data or "",
            )
        except DomainError as error:
            show_domain_error(form, error, fields=_FIELDS, fallback="on")
        else:
            flash("The meeting has been changed. Everyone invited has been sent the new details.", "success")
            return redirect(_invite_url(invite))
    form.submit.label.text = "Save and send the change"
    return _form_page(invite.request, form, "Change the pod meeting", invite=invite)


@bp.route("/<int:request_id>/pod-invites/<int:invite_id>/cancel")
@role_required(*STAFF)
def confirm_cancel_pod_invite(request_id: int, invite_id: int) -> ResponseReturnValue:
    invite = invites.get_pod_invite(request_id, invite_id, user=current_person())
    if not invites.is_open(invite):
        flash("This meeting can no longer be cancelled: it has been cancelled or has started.", "info")
        return redirect(_invite_url(invite))
    return render_template(
        "requests/invite_cancel.html",
        invite=invite,
        req=invite.request,
        when=when_text(invite),
        where=where_text(invite),
        form=PodInviteCancelForm(formdata=None),
        title="Are you sure you want to cancel the pod meeting?",
    )


@bp.route("/<int:request_id>/pod-invites/<int:invite_id>/cancel", methods=["POST"])
@role_required(*STAFF)
def cancel_pod_invite(request_id: int, invite_id: int) -> ResponseReturnValue:
    invite = invites.get_pod_invite(request_id, invite_id, user=current_person())
    if not PodInviteCancelForm().validate_on_submit():  # not a yes from the question page: ask it
        return redirect(
            url_for("requests.confirm_cancel_pod_invite", request_id=invite.request_id, invite_id=invite.id)
        )
    try:
        invites.cancel_pod_invite(invite, by=current_person())
    except DomainError as error:
        flash(error.message, "info")
    else:
        flash("The meeting has been cancelled. Everyone invited has been told.", "success")
    return redirect(_invite_url(invite))


@bp.route("/<int:request_id>/pod-invites/<int:invite_id>/attendance", methods=["GET", "POST"])
@role_required(*STAFF)
def record_attendance(request_id: int, invite_id: int) -> ResponseReturnValue:
    invite = invites.get_pod_invite(request_id, invite_id, user=current_person())
    if request.method == "GET" and (invite.cancelled_at is not None or not invites.has_started(invite)):
        if invite.cancelled_at is not None:
            flash("This meeting was cancelled: there is no attendance to record.", "info")
        else:
            flash("You can record attendance once the meeting has started.", "info")
        return redirect(_invite_url(invite))
    form = AttendanceForm()
    form.attended_ids.choices = [(i.user_id, i.user.name) for i in invite.invitees]
    if request.method == "GET":
        form.attended_ids.data = [i.user_id for i in invite.invitees if i.attended]
    elif form.validate_on_submit():
        try:
            invites.record_attendance(invite, by=current_person(), attended_user_ids=form.attended_ids.data or [])
        except DomainError as error:
            show_domain_error(form, error, fallback="attended_ids")
        else:
            flash("Attendance recorded.", "success")
            return redirect(_invite_url(invite))
    return render_template(
        "requests/invite_attendance.html",
        req=invite.request,
        invite=invite,
        form=form,
        when=when_text(invite),
        title="Record attendance",
    )
