"""Find your locality lead; maintain localities, pods, cover and district mappings."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import access
from portal.common.errors import DomainError
from portal.common.forms import show_domain_error
from portal.common.permissions import public, role_required
from portal.common.roles import Role
from portal.common.times import london_today
from portal.directory import services
from portal.directory.forms import (
    AbsenceDeleteForm,
    AbsenceForm,
    DirectorySearchForm,
    DistrictMappingDeleteForm,
    DistrictMappingForm,
    LocalityForm,
    LocalityServiceLevelsForm,
    PodCreateForm,
    PodMemberAddForm,
    PodMemberRemoveForm,
)
from portal.directory.models import PodRole

bp = Blueprint("directory", __name__)


@bp.route("/schools")
@public
def search() -> ResponseReturnValue:
    form = DirectorySearchForm(request.args)
    results = services.search_organisations(form.q.data or "") if form.validate() else []
    return render_template(
        "directory/search.html",
        form=form,
        results=results,
        title=f"Results for ‘{form.q.data}’" if form.q.data and not form.errors else "Find your locality lead",
    )


@bp.route("/schools/suggestions")
@public
def search_suggestions() -> ResponseReturnValue:
    """The search box's suggestions as the person types (JavaScript's autocomplete): the best few matches,
    each with where it is and the link to its page. The search form works without it."""
    form = DirectorySearchForm(request.args)
    results = services.search_organisations(form.q.data or "", limit=10) if form.validate() else []
    return {
        "results": [
            {
                "name": org.name,
                "hint": ", ".join(part for part in (org.town, org.postcode) if part),
                "url": url_for("directory.organisation", org_id=org.id),
            }
            for org in results
        ]
    }


@bp.route("/organisations/<int:org_id>")
@public
def organisation(org_id: int) -> ResponseReturnValue:
    org = services.get_organisation(org_id)
    contacts = services.locality_contacts(org.locality, on=london_today()) if org.locality else None
    # The search that led here (its results link with it), so "Back to search results" keeps it.
    search = request.args.get("q", "").strip()[:100]
    return render_template("directory/organisation.html", org=org, contacts=contacts, search=search, title=org.name)


@bp.route("/localities")
@role_required(Role.MANAGER, Role.ADMIN)
def localities() -> ResponseReturnValue:
    return render_template(
        "directory/localities.html",
        localities=services.list_localities(),
        maintained=set(access.maintained_locality_ids(current_user)),
        title="Localities",
    )


@bp.route("/localities/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_locality() -> ResponseReturnValue:
    return _locality_form(None)


@bp.route("/localities/<int:locality_id>/edit", methods=["GET", "POST"])
@role_required(Role.MANAGER, Role.ADMIN)
def edit_locality(locality_id: int) -> ResponseReturnValue:
    locality = services.get_locality(locality_id)
    services.ensure_can_manage(current_user, locality)
    return _locality_form(locality)


def _locality_form(locality: services.Locality | None) -> ResponseReturnValue:
    form = LocalityForm(obj=locality)
    form.set_staff(
        leads=[
            (u.id, f"{u.name} ({u.job_title or u.role.label})") for u in services.lead_choices(current_user, locality)
        ],
        managers=[
            (u.id, f"{u.name} ({u.job_title or u.role.label})")
            for u in services.manager_choices(current_user, locality)
        ],
    )
    if request.method == "GET" and locality is not None:
        form.lead_id.data = locality.lead_id or 0
        form.manager_id.data = locality.manager_id or 0
    if form.validate_on_submit():
        try:
            saved = services.save_locality(
                locality,
                by=current_user,
                name=form.name.data or "",
                front_door_phone=form.front_door_phone.data or "",
                front_door_email=form.front_door_email.data or "",
                front_door_hours=form.front_door_hours.data or "",
                lead_id=form.lead_id.data or None,
                manager_id=form.manager_id.data or None,
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="name")
        else:
            flash(f"{saved.name} has been saved.", "success")
            return redirect(url_for("directory.locality", locality_id=saved.id))
    title = f"Edit {locality.name}" if locality else "Add a locality"
    return render_template("directory/locality_form.html", form=form, locality=locality, title=title)


@bp.route("/localities/<int:locality_id>")
@role_required(Role.MANAGER, Role.ADMIN)
def locality(locality_id: int) -> ResponseReturnValue:
    loc = services.get_locality(locality_id)
    services.ensure_can_manage(current_user, loc)
    contacts = services.locality_contacts(loc, on=london_today())
    return render_template(
        "directory/locality.html",
        locality=loc,
        contacts=contacts,
        pod_form=PodCreateForm(),
        organisations=services.list_organisations(locality_id=loc.id),
        title=loc.name,
    )


@bp.route("/localities/<int:locality_id>/service-levels", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def service_levels(locality_id: int) -> ResponseReturnValue:
    loc = services.get_locality(locality_id)
    form = LocalityServiceLevelsForm(
        acknowledge_days=loc.sla_acknowledge_days,
        consult_days=loc.sla_consult_days,
        outcome_days=loc.sla_outcome_days,
        escalation_days=loc.sla_escalation_days,
    )
    if form.validate_on_submit():
        try:
            services.set_service_levels(
                loc,
                by=current_user,
                acknowledge_days=form.acknowledge_days.data or 0,
                consult_days=form.consult_days.data or 0,
                outcome_days=form.outcome_days.data or 0,
                escalation_days=form.escalation_days.data or 0,
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="acknowledge_days")
        else:
            flash(f"Service levels for {loc.name} have been saved. New requests will use them.", "success")
            return redirect(url_for("directory.locality", locality_id=loc.id))
    return render_template(
        "directory/service_levels.html", form=form, locality=loc, title=f"Service levels for {loc.name}"
    )


@bp.route("/localities/<int:locality_id>/pods", methods=["POST"])
@role_required(Role.MANAGER, Role.ADMIN)
def create_pod(locality_id: int) -> ResponseReturnValue:
    loc = services.get_locality(locality_id)
    services.ensure_can_manage(current_user, loc)
    form = PodCreateForm()
    if form.validate_on_submit():
        try:
            pod = services.create_pod(loc, by=current_user, name=form.name.data or "")
        except DomainError as error:
            show_domain_error(form, error, fallback="name")
        else:
            flash(f"{pod.name} has been added.", "success")
            return redirect(url_for("directory.pod", pod_id=pod.id))
    contacts = services.locality_contacts(loc, on=london_today())
    return render_template(
        "directory/locality.html",
        locality=loc,
        contacts=contacts,
        pod_form=form,
        form=form,
        organisations=services.list_organisations(locality_id=loc.id),
        title=loc.name,
    ), 400


@bp.route("/pods/<int:pod_id>", methods=["GET", "POST"])
@role_required(Role.MANAGER, Role.ADMIN)
def pod(pod_id: int) -> ResponseReturnValue:
    the_pod = services.get_pod(pod_id, by=current_user)
    form = PodMemberAddForm()
    form.user_id.choices = [(0, "Select a member of staff")] + [
        (u.id, u.name) for u in services.pod_member_choices(the_pod)
    ]
    if form.validate_on_submit():
        try:
            services.add_pod_member(
                the_pod, by=current_user, user_id=form.user_id.data, pod_role=PodRole(form.pod_role.data)
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="user_id")
        else:
            flash("Pod member added.", "success")
            return redirect(url_for("directory.pod", pod_id=the_pod.id))
    return render_template("directory/pod.html", pod=the_pod, form=form, title=the_pod.name)


@bp.route("/pods/<int:pod_id>/members/<int:member_id>/remove")
@role_required(Role.MANAGER, Role.ADMIN)
def confirm_remove_pod_member(pod_id: int, member_id: int) -> ResponseReturnValue:
    the_pod = services.get_pod(pod_id, by=current_user)
    member = services.get_pod_member(the_pod, member_id)
    return render_template(
        "directory/pod_member_remove.html",
        pod=the_pod,
        member=member,
        form=PodMemberRemoveForm(formdata=None),
        title=f"Are you sure you want to remove {member.user.name} from the pod?",
    )


@bp.route("/pods/<int:pod_id>/members/<int:member_id>/remove", methods=["POST"])
@role_required(Role.MANAGER, Role.ADMIN)
def remove_pod_member(pod_id: int, member_id: int) -> ResponseReturnValue:
    the_pod = services.get_pod(pod_id, by=current_user)
    if not PodMemberRemoveForm().validate_on_submit():  # not a yes from the question page: ask it
        return redirect(url_for("directory.confirm_remove_pod_member", pod_id=the_pod.id, member_id=member_id))
    services.remove_pod_member(the_pod, by=current_user, member_id=member_id)
    flash("Pod member removed.", "success")
    return redirect(url_for("directory.pod", pod_id=the_pod.id))


@bp.route("/absences")
@role_required(Role.PRACTITIONER, Role.MANAGER, Role.ADMIN)
def absences() -> ResponseReturnValue:
    return render_template(
        "directory/absences.html",
        absences=services.list_absences(current_user, from_date=london_today()),
        title="Absence and cover",
    )


@bp.route("/absences/new", methods=["GET", "POST"])
@role_required(Role.PRACTITIONER, Role.MANAGER, Role.ADMIN)
def new_absence() -> ResponseReturnValue:
    form = AbsenceForm()
    form.set_people(
        away=[(u.id, u.name) for u in services.absence_people(current_user)],
        cover=[(u.id, f"{u.name} ({u.job_title or u.role.label})") for u in services.cover_people(current_user)],
    )
    if form.validate_on_submit() and form.starts_on.data and form.ends_on.data:
        try:
            services.record_absence(
                by=current_user,
                user_id=form.user_id.data,
                cover_id=form.cover_id.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="user_id")
        else:
            flash("Absence saved. Partners will be told who covers.", "success")
            return redirect(url_for("directory.absences"))
    return render_template("directory/absence_form.html", form=form, title="Record an absence")


@bp.route("/absences/<int:absence_id>/delete")
@role_required(Role.PRACTITIONER, Role.MANAGER, Role.ADMIN)
def confirm_delete_absence(absence_id: int) -> ResponseReturnValue:
    absence = services.get_absence(absence_id, by=current_user)
    return render_template(
        "directory/absence_delete.html",
        absence=absence,
        form=AbsenceDeleteForm(formdata=None),
        title=f"Are you sure you want to delete {absence.user.name}'s absence?",
    )


@bp.route("/absences/<int:absence_id>/delete", methods=["POST"])
@role_required(Role.PRACTITIONER, Role.MANAGER, Role.ADMIN)
def delete_absence(absence_id: int) -> ResponseReturnValue:
    absence = services.get_absence(absence_id, by=current_user)
    if not AbsenceDeleteForm().validate_on_submit():  # not a yes from the question page: ask it
        return redirect(url_for("directory.confirm_delete_absence", absence_id=absence.id))
    services.delete_absence(absence, by=current_user)
    flash("Absence deleted.", "success")
    return redirect(url_for("directory.absences"))


@bp.route("/districts", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def districts() -> ResponseReturnValue:
    form = DistrictMappingForm()
    form.locality_id.choices = [(0, "Select a locality")] + [(loc.id, loc.name) for loc in services.list_localities()]
    if form.validate_on_submit():
        services.set_district_mapping(
            by=current_user, district=form.district.data or "", locality_id=form.locality_id.data
        )
        flash("District mapping saved.", "success")
        return redirect(url_for("directory.districts"))
    return render_template(
        "directory/districts.html",
        form=form,
        mappings=services.list_district_mappings(),
        title="Districts and localities",
    )


@bp.route("/districts/<int:mapping_id>/delete")
@role_required(Role.ADMIN)
def confirm_delete_district(mapping_id: int) -> ResponseReturnValue:
    mapping = services.get_district_mapping(mapping_id, by=current_user)
    return render_template(
        "directory/district_delete.html",
        mapping=mapping,
        form=DistrictMappingDeleteForm(formdata=None),
        title=f"Are you sure you want to delete the mapping for {mapping.district}?",
    )


@bp.route("/districts/<int:mapping_id>/delete", methods=["POST"])
@role_required(Role.ADMIN)
def delete_district(mapping_id: int) -> ResponseReturnValue:
    mapping = services.get_district_mapping(mapping_id, by=current_user)
    if not DistrictMappingDeleteForm().validate_on_submit():  # not a yes from the question page: ask it
        return redirect(url_for("directory.confirm_delete_district", mapping_id=mapping.id))
    services.delete_district_mapping(by=current_user, mapping_id=mapping.id)
    flash("District mapping deleted.", "success")
    return redirect(url_for("directory.districts"))
