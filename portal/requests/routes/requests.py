"""Requests: ask, follow, work to an outcome; messages, promises and escalation."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.common.errors import DomainError
from portal.common.forms import show_domain_error
from portal.common.http import page_number
from portal.common.permissions import Forbidden, current_person, role_required
from portal.common.roles import Role
from portal.common.times import london_today
from portal.requests import filters as request_filters
from portal.requests import services
from portal.requests.filters import RequestFilters
from portal.requests.forms import (
    AcknowledgeForm,
    CloseForm,
    EscalationForm,
    EscalationResponseForm,
    MessageForm,
    PromiseForm,
    PromiseKeepForm,
    ReassignForm,
    RequestCreateForm,
    ResumeForm,
    ScheduleForm,
    StaffNoteForm,
    WaitForm,
)
from portal.requests.models import ConsultationMethod, EscalationKind, Outcome, RequestKind, RequestStatus, Urgency
from portal.requests.routes import PEOPLE, STAFF, bp


@bp.route("")
@role_required(*PEOPLE)
def list_requests() -> ResponseReturnValue:
    me = current_person()
    page = page_number()
    filters = request_filters.for_role(request_filters.parse(request.args), me)
    listing = services.list_requests(me, page=page, filters=filters)
    title = "Your organisation's requests" if me.role is Role.PARTNER else "Request queue"
    return render_template(
        "requests/list.html", listing=listing, filters=filters, title=title, **_filter_panel(filters, me)
    )


def _filter_panel(filters: RequestFilters, me: Any) -> dict[str, Any]:
    """The filter panel's choices, each marked when chosen, and the chosen ones as tags that remove themselves."""
    f = filters

    def without(**change: Any) -> str:
        return url_for("requests.list_requests", **replace(f, **change).as_args())

    statuses = [(s, s.label) for s in RequestStatus]
    kinds = [(k, k.label) for k in RequestKind]
    selected: list[tuple[str, list[tuple[str, str]]]] = []
    if f.query:
        selected.append(("Search", [(f"“{f.query}”", without(query=""))]))
    if f.statuses != request_filters.OPEN:
        selected.append(
            (
                "Status",
                [
                    (s.label, without(statuses=tuple(x for x in f.statuses if x is not s) or request_filters.OPEN))
                    for s in f.statuses
                ],
            )
        )
    if f.kinds:
        selected.append(("Type", [(k.label, without(kinds=tuple(x for x in f.kinds if x is not k))) for k in f.kinds]))
    if f.worker:
        selected.append(("Worker", [(request_filters.WORKERS[f.worker], without(worker=""))]))
    only = [("Overdue", without(overdue=False))] if f.overdue else []
    if f.escalated:
        only.append(("Waiting for a manager", without(escalated=False)))
    if only:
        selected.append(("Only show", only))
    if f.received:
        selected.append(("Received", [(request_filters.RECEIVED[f.received], without(received=""))]))
    if f.school_id is not None:
        selected.append(("School", [("One school", without(school_id=None))]))
    for group, words, change in request_filters.dashboard_tags(f, me, today=london_today()):
        selected.append((group, [(words, without(**change))]))
    workers = (
        []
        if me.role is Role.PARTNER
        else [{"value": "", "text": "Any I may see", "checked": not f.worker}]
        + [
            {"value": key, "text": text, "checked": f.worker == key}
            for key, text in request_filters.WORKERS.items()
            if key != "any" or me.role is Role.MANAGER
        ]
    )
    kept = {
        k: v
        for k, v in f.as_args().items()
        if k in ("school", "locality", "practitioner", "pod", "raised", "escalation", "missed")
    }
    return {
        "kept": kept,
        "selected": selected,
        "status_items": [{"value": s.value, "text": label, "checked": s in f.statuses} for s, label in statuses],
        "kind_items": [{"value": k.value, "text": label, "checked": k in f.kinds} for k, label in kinds],
        "worker_items": workers,
        "received_items": [{"value": "", "text": "Any time", "checked": not f.received}]
        + [
            {"value": key, "text": text, "checked": f.received == key} for key, text in request_filters.RECEIVED.items()
        ],
    }


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.PARTNER)
def new_request() -> ResponseReturnValue:
    form = RequestCreateForm()
    if form.validate_on_submit():
        try:
            req = services.submit_request(
                by=current_person(),
                kind=RequestKind(form.kind.data),
                child_initials=form.child_initials.data or "",
                child_birth_year=form.child_birth_year.data,
                case_reference=form.case_reference.data or "",
                summary=form.summary.data or "",
                help_wanted=form.help_wanted.data or "",
                confirmed=bool(form.confirm_identifiers.data),
                submission_key=form.submission_key.data or None,
                urgency=Urgency(form.urgency.data),
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="summary")
        else:
            flash(
                f"Request {req.reference} sent. We will acknowledge it by {services.respond_by_text(req)}.", "success"
            )
            return redirect(url_for("requests.request_page", request_id=req.id))
    # The partner's own locality's Front Door, which may differ from the council's main number.
    phone = services.front_door_phone(current_person()) or current_app.config["FRONT_DOOR_PHONE"]
    return render_template(
        "requests/new.html", form=form, phone=phone, urgency_hints=form.urgency_hints(), title="Ask for help"
    )


def _page(req_id: int, **forms: Any) -> ResponseReturnValue:
    req = services.load_for_page(req_id, user=current_person())
    services.record_view(req, user=current_person())
    view = services.request_view(req, user=current_person())
    return render_template(
        "requests/request.html",
        view=view,
        req=req,
        message_form=forms.get("message_form") or MessageForm(formdata=None),
        note_form=forms.get("note_form") or StaffNoteForm(formdata=None),
        keep_form=PromiseKeepForm(formdata=None),
        resume_form=ResumeForm(formdata=None),
        form=forms.get("message_form") or forms.get("note_form"),
        title=f"Request {req.reference}",
    )


@bp.route("/<int:request_id>")
@role_required(*PEOPLE)
def request_page(request_id: int) -> ResponseReturnValue:
    return _page(request_id)


@bp.route("/<int:request_id>/messages", methods=["POST"])
@role_required(*PEOPLE)
def add_message(request_id: int) -> ResponseReturnValue:
    req = services.get_request(request_id, user=current_person())
    form = MessageForm()
    if form.validate_on_submit():
        try:
            services.add_message(
                req, by=current_person(), text=form.text.data or "", confirmed=bool(form.confirm_identifiers.data)
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="text")
        else:
            flash("Message sent.", "success")
            return redirect(url_for("requests.request_page", request_id=req.id, _anchor="timeline"))
    return _page(request_id, message_form=form)


@bp.route("/<int:request_id>/staff-notes", methods=["POST"])
@role_required(*STAFF)
def add_staff_note(request_id: int) -> ResponseReturnValue:
    req = services.get_request(request_id, user=current_person())
    form = StaffNoteForm()
    if form.validate_on_submit():
        try:
            services.add_staff_note(
                req, by=current_person(), note=form.note.data or "", confirmed=bool(form.confirm_identifiers.data)
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="note")
        else:
            flash("Staff note added. Partners cannot see it.", "success")
            return redirect(url_for("requests.request_page", request_id=req.id, _anchor="timeline"))
    return _page(request_id, note_form=form)


def _action_page(template: str, req: Any, form: Any, title: str, **extra: Any) -> str:
    return render_template(template, req=req, form=form, title=title, **extra)


@bp.route("/<int:request_id>/acknowledge", methods=["GET", "POST"])
@role_required(*STAFF)
def acknowledge(request_id: int) -> ResponseReturnValue:
    req = services.get_request(request_id, user=current_person())
    form = AcknowledgeForm()
    form.worker_id.choices = [(0, "Select a worker")] + [(u.id, u.name) for u in services.assignable_workers(req)]
    if request.method == "GET":
        form.worker_id.data = current_user.id
    if form.validate_on_submit() and form.expected_by.data:
        try:
            services.acknowledge_request(
                req,
                by=current_person(),
                worker_id=form.worker_id.data,
                next_step=form.next_step.data or "",
                expected_by=form.expected_by.data,
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="next_step")
        else:
            flash(f"{req.reference} acknowledged. The partner can see what happens next.", "success")
            return redirect(url_for("requests.request_page", request_id=req.id))
    return _action_page("requests/action.html", req, form, "Acknowledge the request", button="Acknowledge")


@bp.route("/<int:request_id>/reassign", methods=["GET", "POST"])
@role_required(*STAFF)
def reassign(request_id: int) -> ResponseReturnValue:
    req = services.get_request(request_id, user=current_person())
    if not services.may_reassign(current_person(), req):
        raise Forbidden
    form = ReassignForm()
    holder = req.worker_id or req.routed_to_id
    form.worker_id.choices = [(0, "Select a worker")] + [
        (u.id, u.name) for u in services.assignable_workers(req) if u.id != holder
    ]
    if form.validate_on_submit():
        try:
            services.reassign_request(
                req, by=current_person(), worker_id=form.worker_id.data, reason=form.reason.data or ""
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="reason")
        else:
            flash(f"{req.reference} reassigned. The partner can see who holds it now and why.", "success")
            return redirect(url_for("requests.request_page", request_id=req.id))
    return _action_page("requests/action.html", req, form, "Reassign the request", button="Reassign")


@bp.route("/<int:request_id>/schedule", methods=["GET", "POST"])
@role_required(*STAFF)
def schedule(request_id: int) -> ResponseReturnValue:
    req = services.get_request(request_id, user=current_person())
    form = ScheduleForm()
    when = form.when() if form.validate_on_submit() else None
    if when is not None:
        try:
            services.schedule_request(
                req,
                by=current_person(),
                when=when,
                method=ConsultationMethod(form.method.data),
                details=form.details.data or "",
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="at")
        else:
            flash("Consultation arranged. The partner has been told.", "success")
            return redirect(url_for("requests.request_page", request_id=req.id))
    return _action_page("requests/action.html", req, form, "Arrange the consultation", button="Save")


@bp.route("/<int:request_id>/wait", methods=["GET", "POST"])
@role_required(*STAFF)
def wait(request_id: int) -> ResponseReturnValue:
    req = services.get_request(request_id, user=current_person())
    form = WaitForm()
    if form.validate_on_submit():
        try:
            services.wait_on_partner(req, by=current_person(), reason=form.reason.data or "")
        except DomainError as error:
            show_domain_error(form, error, fallback="reason")
        else:
            flash("The clock is paused until the partner answers.", "success")
            return redirect(url_for("requests.request_page", request_id=req.id))
    return _action_page("requests/action.html", req, form, "Wait for the partner", button="Wait for the partner")


@bp.route("/<int:request_id>/resume", methods=["POST"])
@role_required(*STAFF)
def resume(request_id: int) -> ResponseReturnValue:
    req = services.get_request(request_id, user=current_person())
    if ResumeForm().validate_on_submit():
        try:
            services.resume_request(req, by=current_person())
        except DomainError as error:
            flash(error.message, "info")
        else:
            flash("The clock has restarted.", "success")
    return redirect(url_for("requests.request_page", request_id=req.id))


@bp.route("/<int:request_id>/close", methods=["GET", "POST"])
@role_required(*STAFF)
def close(request_id: int) -> ResponseReturnValue:
    req = services.get_request(request_id, user=current_person())
    form = CloseForm()
    form.set_need_levels([(level.id, level.name) for level in services.need_levels(req)])
    if form.validate_on_submit():
        try:
            services.close_request(
                req,
                by=current_person(),
                outcome=Outcome(form.outcome.data),
                summary=form.outcome_summary.data or "",
                close_unfinished=bool(form.close_unfinished.data),
                need_level_id=form.need_level_id.data,
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="outcome")
        else:
            flash(f"{req.reference} closed. The partner can read the outcome.", "success")
            return redirect(url_for("requests.request_page", request_id=req.id))
    return _action_page(
        "requests/close.html",
        req,
        form,
        "Close with an outcome",
        unfinished=services.unfinished_work(req),
        need_level_hints=[
            {"hint": {"text": level.description}} if level.description else {} for level in services.need_levels(req)
        ],
    )


@bp.route("/<int:request_id>/promises/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new_promise(request_id: int) -> ResponseReturnValue:
    req = services.get_request(request_id, user=current_person())
    form = PromiseForm()
    if form.validate_on_submit() and form.due_on.data:
        try:
            services.make_promise(req, by=current_person(), text=form.text.data or "", due_on=form.due_on.data)
        except DomainError as error:
            show_domain_error(form, error, fallback="text")
        else:
            flash("Promise recorded. The partner can see it.", "success")
            return redirect(url_for("requests.request_page", request_id=req.id, _anchor="promises"))
    return _action_page("requests/action.html", req, form, "Make a promise", button="Make the promise")


@bp.route("/<int:request_id>/promises/<int:promise_id>/keep", methods=["POST"])
@role_required(*STAFF)
def keep_promise(request_id: int, promise_id: int) -> ResponseReturnValue:
    req = services.get_request(request_id, user=current_person())
    promise = services.get_promise(req, promise_id)
    if PromiseKeepForm().validate_on_submit():
        try:
            services.keep_promise(promise, by=current_person())
        except DomainError as error:
            flash(error.message, "info")
        else:
            flash("Promise marked as kept.", "success")
    return redirect(url_for("requests.request_page", request_id=req.id, _anchor="promises"))


@bp.route("/<int:request_id>/escalate", methods=["GET", "POST"])
@role_required(Role.PARTNER)
def escalate(request_id: int) -> ResponseReturnValue:
    req = services.get_request(request_id, user=current_person())
    form = EscalationForm()
    if request.method == "GET" and request.args.get("kind") in {k.value for k in EscalationKind}:
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        try:
            services.escalate(
                req,
                by=current_person(),
                kind=EscalationKind(form.kind.data),
                text=form.text.data or "",
                confirmed=bool(form.confirm_identifiers.data),
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="kind")
        else:
            flash("Sent to the locality manager, who must respond.", "success")
            return redirect(url_for("requests.request_page", request_id=req.id))
    return _action_page("requests/escalate.html", req, form, "Speak to a manager or disagree")


@bp.route("/<int:request_id>/escalations/<int:escalation_id>/respond", methods=["GET", "POST"])
@role_required(Role.PRACTITIONER, Role.MANAGER)
def respond(request_id: int, escalation_id: int) -> ResponseReturnValue:
    req = services.get_request(request_id, user=current_person())
    escalation = services.get_escalation(req, escalation_id)
    if not services.may_respond(current_person(), escalation):
        raise Forbidden
    form = EscalationResponseForm()
    if form.validate_on_submit():
        try:
            services.respond_to_escalation(escalation, by=current_person(), response=form.response.data or "")
        except DomainError as error:
            show_domain_error(form, error, fallback="response")
        else:
            flash("Response sent to the partner.", "success")
            return redirect(url_for("requests.request_page", request_id=req.id))
    return _action_page(
        "requests/action.html", req, form, "Respond to the partner", button="Send response", escalation=escalation
    )


# Pod invites live in their own module but on this blueprint (imported last: it uses `bp`).
