"""Partners' feedback, the pulse after a closed request, recognition and "You said, we did"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal import access
from portal.common.errors import DomainError
from portal.common.forms import show_domain_error
from portal.common.http import page_number
from portal.common.periods import Period
from portal.common.permissions import current_person, role_required
from portal.common.roles import Role
from portal.feedback import services
from portal.feedback.forms import (
    ALL_LOCALITIES,
    EntryForm,
    FeedbackForm,
    PublishForm,
    PulseForm,
    RecognitionForm,
    ReviewFilterForm,
    id_or_none,
)
from portal.feedback.models import Theme, YouSaidWeDid
from portal.requests.models import ConsultationRequest

bp = Blueprint("feedback", __name__, url_prefix="/feedback")

PEOPLE = (Role.PARTNER, Role.PRACTITIONER, Role.MANAGER)
STAFF = (Role.PRACTITIONER, Role.MANAGER)


@bp.app_context_processor
def pulse_helpers() -> dict[str, Any]:
    """The request page (rendered by the requests routes) asks the partner the pulse once it is closed."""
    return {"pulse_panel": _pulse_panel}


def _pulse_panel(req: ConsultationRequest) -> dict[str, Any]:
    return {"answer": services.find_pulse(req), "form": PulseForm(formdata=None)}


@bp.route("")
@role_required(*PEOPLE)
def index() -> ResponseReturnValue:
    me = current_person()
    if me.role is Role.PARTNER:
        return render_template(
            "feedback/index.html",
            title="Feedback",
            given=services.own_feedback(me),
            recognitions=services.recognition_received(me),
            entries=services.published_entries(me, limit=5),
            rating_words=services.RATING_WORDS,
        )
    return render_template("feedback/staff.html", title="Feedback", sent=services.recognition_sent(me))


def _feedback_form() -> FeedbackForm:
    me = current_person()
    requests = [(str(r.id), f"{r.reference} – {r.kind.label}") for r in services.requests_to_choose(me)]
    localities = [(str(loc.id), loc.name) for loc in services.all_localities()]
    form = FeedbackForm(requests=requests, localities=localities)
    if request.method == "GET" and not form.locality_id.data:
        own = access.partner_locality_id(me)
        form.locality_id.data = str(own) if own is not None else None
    return form


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.PARTNER)
def give_feedback() -> ResponseReturnValue:
    form = _feedback_form()
    if form.validate_on_submit():
        try:
            services.give_feedback(
                by=current_person(),
                theme=Theme(form.theme.data),
                rating=int(form.rating.data or 0),
                text=form.text.data or "",
                request_id=id_or_none(form.request_id.data),
                locality_id=id_or_none(form.locality_id.data),
                anonymous=bool(form.anonymous.data),
                confirmed=bool(form.confirm_identifiers.data),
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="text")
        else:
            flash(
                "Thank you. Your feedback has been sent"
                + (" anonymously: staff cannot see who sent it." if form.anonymous.data else "."),
                "success",
            )
            return redirect(url_for("feedback.index"))
    return render_template("feedback/give.html", form=form, title="Give feedback")


@bp.route("/requests/<int:request_id>/pulse", methods=["GET", "POST"])
@role_required(Role.PARTNER)
def pulse(request_id: int) -> ResponseReturnValue:
    me = current_person()
    try:
        req = services.get_closed_request_for_pulse(request_id, user=me)
    except DomainError as error:
        return render_template(
            "feedback/pulse_closed.html", message=error.message, title="This request is not closed yet"
        ), 409
    answer = services.find_pulse(req)
    form = PulseForm()
    if answer is None and form.validate_on_submit():
        try:
            services.answer_pulse(
                req, by=me, helpful=form.helpful.data == "yes", knew_what_next=form.knew_what_next.data == "yes"
            )
        except DomainError as error:
            flash(error.message, "info")
        else:
            flash("Thank you. Your answers help us improve consultations.", "success")
        return redirect(url_for("requests.request_page", request_id=req.id, _anchor="pulse"))
    if answer is not None and request.method == "POST":
        flash(f"Your organisation has already answered these questions about {req.reference}.", "info")
        return redirect(url_for("requests.request_page", request_id=req.id, _anchor="pulse"))
    return render_template("feedback/pulse.html", req=req, form=form, answer=answer, title="Two quick questions")


def _review_filters(form: ReviewFilterForm) -> dict[str, Any]:
    form.keep_known_values()
    return {
        "theme": Theme(form.theme.data) if form.theme.data else None,
        "locality_id": id_or_none(form.locality.data),
        "period": Period.parse(form.period.data) if form.period.data else None,
    }


@bp.route("/review")
@role_required(Role.MANAGER)
def review() -> ResponseReturnValue:
    me = current_person()
    form = ReviewFilterForm(
        request.args,
        localities=[(str(loc.id), loc.name) for loc in access.managed_localities(me)],
        periods=[(p.key, p.label) for p in services.review_periods()],
    )
    filters = _review_filters(form)
    listing = services.review_feedback(me, page=page_number(), **filters)
    query = {
        k: v
        for k, v in (("theme", form.theme.data), ("locality", form.locality.data), ("period", form.period.data))
        if v
    }
    return render_template(
        "feedback/review.html",
        filters=form,
        listing=listing,
        query=query,
        rating_words=services.RATING_WORDS,
        title="Feedback from partners",
    )


@bp.route("/recognition/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new_recognition() -> ResponseReturnValue:
    me = current_person()
    form = RecognitionForm(organisations=[(str(o.id), o.name) for o in services.recognisable_organisations(me)])
    if form.validate_on_submit():
        organisation_id = id_or_none(form.organisation_id.data)
        try:
            recognition = services.send_recognition(
                by=me,
                organisation_id=organisation_id or 0,
                text=form.text.data or "",
                confirmed=bool(form.confirm_identifiers.data),
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="organisation_id")
        else:
            flash(
                f"Positive feedback sent to {recognition.organisation.name}. Their partners have been told.", "success"
            )
            return redirect(url_for("feedback.index"))
    return render_template("feedback/recognition.html", form=form, title="Send positive feedback to a partner")


@bp.route("/you-said-we-did")
@role_required(*PEOPLE, Role.SENIOR)
def you_said_we_did() -> ResponseReturnValue:
    me = current_person()
    theme_key = request.args.get("theme", "")
    theme = Theme(theme_key) if theme_key in {t.value for t in Theme} else None
    return render_template(
        "feedback/you_said_we_did.html",
        entries=services.published_entries(me, theme=theme),
        drafts=services.draft_entries(me),
        theme=theme,
        themes=list(Theme),
        title="You said, we did",
    )


def _entry_form(entry: YouSaidWeDid | None = None) -> EntryForm:
    localities = [(str(loc.id), loc.name) for loc in access.managed_localities(current_person())]
    form = EntryForm(localities=localities)
    if entry is not None and request.method == "GET":
        form.theme.data = entry.theme.value
        form.locality.data = str(entry.locality_id) if entry.locality_id is not None else ALL_LOCALITIES
        form.you_said.data, form.we_did.data = entry.you_said, entry.we_did
    return form


def _entry_values(form: EntryForm) -> dict[str, Any]:
    return {
        "theme": Theme(form.theme.data),
        "locality_id": id_or_none(form.locality.data),
        "you_said": form.you_said.data or "",
        "we_did": form.we_did.data or "",
        "confirmed": bool(form.confirm_identifiers.data),
    }


def _entry_page(form: EntryForm, *, title: str, entry: YouSaidWeDid | None = None) -> str:
    return render_template(
        "feedback/entry_form.html",
        form=form,
        entry=entry,
        publish_form=PublishForm(formdata=None),
        title=title,
    )


@bp.route("/you-said-we-did/new", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def new_entry() -> ResponseReturnValue:
    form = _entry_form()
    if form.validate_on_submit():
        try:
            entry = services.create_entry(by=current_person(), **_entry_values(form))
        except DomainError as error:
            show_domain_error(form, error, fields={"locality_id": "locality"}, fallback="locality")
        else:
            flash("Draft saved. Partners will see it once you publish it.", "success")
            return redirect(url_for("feedback.edit_entry", entry_id=entry.id))
    return _entry_page(form, title="New “You said, we did”")


@bp.route("/you-said-we-did/<int:entry_id>/edit", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def edit_entry(entry_id: int) -> ResponseReturnValue:
    entry = services.get_entry(entry_id, user=current_person())
    form = _entry_form(entry)
    if form.validate_on_submit():
        try:
            services.update_entry(entry, by=current_person(), **_entry_values(form))
        except DomainError as error:
            show_domain_error(form, error, fields={"locality_id": "locality"}, fallback="locality")
        else:
            flash("Changes saved.", "success")
            return redirect(url_for("feedback.edit_entry", entry_id=entry.id))
    title = "Edit “You said, we did”" if entry.published_at else "Edit draft “You said, we did”"
    return _entry_page(form, title=title, entry=entry)


@bp.route("/you-said-we-did/<int:entry_id>/publish", methods=["POST"])
@role_required(Role.MANAGER)
def publish_entry(entry_id: int) -> ResponseReturnValue:
    entry = services.get_entry(entry_id, user=current_person())
    if PublishForm().validate_on_submit():
        try:
            services.publish_entry(entry, by=current_person())
        except DomainError as error:
            flash(error.message, "info")
        else:
            flash("Published. Partners can read it now.", "success")
            return redirect(url_for("feedback.you_said_we_did"))
    return redirect(url_for("feedback.edit_entry", entry_id=entry.id))
