"""Managers' dashboards and the quarterly report (page, tagged PDF, CSV)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal import access
from portal.common.errors import DomainError
from portal.common.forms import show_domain_error
from portal.common.periods import Period, PeriodKind, financial_year, quarter
from portal.common.permissions import NotFound, current_person, role_required
from portal.common.roles import Role
from portal.dashboards import charts, figures, members, services
from portal.dashboards import report as quarterly  # under another name: the views below are report and report_csv
from portal.dashboards.forms import CommentaryForm, TargetForm, filter_choices
from portal.dashboards.pdf import render_pdf
from portal.directory.models import Locality
from portal.requests.models import Outcome

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")


@bp.context_processor
def chart_helpers() -> dict[str, object]:
    return {
        "charts": charts,
        "groups": figures.ORGANISATION_GROUPS,
        "outcomes": list(Outcome),
        "suppressed": services.suppressed,
        "show": quarterly.show,
    }


# Managers (their area) and senior leaders (every locality) only: admins run the system and see no case work,
# not even in aggregate (see README).


def _filters(*, kinds: tuple[PeriodKind, ...] = tuple(PeriodKind)) -> services.Filters:
    return services.resolve_filters(
        current_person(),
        locality=request.args.get("locality"),
        pod=request.args.get("pod"),
        practitioner=request.args.get("practitioner"),
        period=request.args.get("period"),
        kinds=kinds,
    )


@bp.route("")
@role_required(*services.READERS)
def index() -> ResponseReturnValue:
    try:
        filters = _filters()
    except DomainError as error:
        # A period that is not one: the form again with the message, and no figures.
        filters = services.resolve_filters(
            current_person(),
            locality=request.args.get("locality"),
            pod=request.args.get("pod"),
            practitioner=request.args.get("practitioner"),
        )
        choices = filter_choices(filters, period_value=request.args.get("period", ""))
        return render_template(
            "dashboards/index.html", title="Dashboard", filters=filters, choices=choices, board=None, error=str(error)
        )
    board = figures.dashboard(filters)
    choices = filter_choices(filters)
    report_quarter = quarter(filters.period.end)
    report_args = {**filters.args(), "period": report_quarter.key}
    return render_template(
        "dashboards/index.html",
        title="Dashboard",
        filters=filters,
        choices=choices,
        board=board,
        error=None,
        report_args=report_args,
        report_label=report_quarter.label,
    )


def _report() -> quarterly.Report:
    try:
        filters = _filters(kinds=(PeriodKind.QUARTER,))
    except DomainError:
        raise NotFound from None  # no report for a period that is not a quarter
    return quarterly.report(filters)


@bp.route("/report")
@role_required(*services.READERS)
def report() -> ResponseReturnValue:
    rep = _report()
    me = current_person()
    year = financial_year(rep.filters.period.start)
    managed = set(access.managed_locality_ids(me))
    return render_template(
        "dashboards/report.html",
        title=rep.title,
        rep=rep,
        year_key=year.key,
        year_label=year.label,
        commentary_localities=[
            loc for loc in rep.filters.area.localities if loc.id in managed and loc.id in rep.filters.locality_ids
        ],
    )


def _filename(rep: quarterly.Report, extension: str) -> str:
    where = f"locality-{rep.filters.locality.id}" if rep.filters.locality else "area"
    return f"quarterly-report-{rep.filters.period.key}-{where}.{extension}"


@bp.route("/report.pdf")
@role_required(*services.READERS)
def report_pdf() -> ResponseReturnValue:
    rep = _report()
    html = render_template("dashboards/report_print.html", title=rep.title, rep=rep)
    pdf = render_pdf(html)
    quarterly.record_export(rep, by=current_person(), file_format="pdf")
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{_filename(rep, "pdf")}"'},
    )


@bp.route("/report.csv")
@role_required(*services.READERS)
def report_csv() -> ResponseReturnValue:
    rep = _report()
    data = quarterly.report_csv(rep)
    quarterly.record_export(rep, by=current_person(), file_format="csv")
    return Response(
        data,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_filename(rep, "csv")}"'},
    )


def _year_reports() -> tuple[services.Filters, list[quarterly.Report]]:
    """The filters of a financial year (`period` is the year, e.g. 2026 for 2026–27) and its four quarterly
    reports, first to last; NotFound for a period that is not a year."""
    try:
        filters = _filters(kinds=(PeriodKind.FINANCIAL_YEAR,))
    except DomainError:
        raise NotFound from None
    quarters = [quarter(filters.period.start)]
    while len(quarters) < 4:
        quarters.append(quarters[-1].next())
    return filters, [quarterly.report(filters.with_period(q)) for q in quarters]


def _year_filename(filters: services.Filters, extension: str) -> str:
    where = f"locality-{filters.locality.id}" if filters.locality else "area"
    return f"quarterly-reports-{filters.period.key}-{where}.{extension}"


@bp.route("/report-year.csv")
@role_required(*services.READERS)
def report_year_csv() -> ResponseReturnValue:
    """A financial year's four quarterly reports in one CSV."""
    filters, reports = _year_reports()
    data = quarterly.year_csv(reports)
    quarterly.record_export(reports[0], by=current_person(), file_format="csv-year")
    return Response(
        data,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_year_filename(filters, "csv")}"'},
    )


@bp.route("/report-year.pdf")
@role_required(*services.READERS)
def report_year_pdf() -> ResponseReturnValue:
    """A financial year's four quarterly reports in one tagged PDF, each quarter from a new page."""
    filters, reports = _year_reports()
    html = render_template(
        "dashboards/report_year_print.html",
        title=f"Quarterly reports for {filters.scope_label}: {filters.period.label}",
        reports=reports,
        year=filters.period,
        scope_label=filters.scope_label,
    )
    pdf = render_pdf(html)
    quarterly.record_export(reports[0], by=current_person(), file_format="pdf-year")
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{_year_filename(filters, "pdf")}"'},
    )


@bp.route("/targets", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def targets() -> ResponseReturnValue:
    """The report's targets, for all localities and for each; admins set them."""
    localities, table = members.target_table()
    form = TargetForm(localities=[(loc.id, loc.name) for loc in localities])
    if form.validate_on_submit():
        try:
            saved = members.set_target(
                by=current_person(),
                measure=form.measure.data or "",
                locality_id=form.locality_id(),
                target=form.target.data or "",
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="target")
        else:
            flash("Target saved." if saved is not None else "Target removed.", "success")
            return redirect(url_for("dashboards.targets"))
    return render_template(
        "dashboards/targets.html", localities=localities, table=table, form=form, title="Targets for the report"
    )


def _commentary_quarter() -> tuple[Locality, Period]:
    """The locality (one the manager manages) and the quarter of the commentary, from the query string."""
    me = current_person()
    locality_id = services.whole_number_or_none(request.args.get("locality"))
    locality = next((loc for loc in access.managed_localities(me) if loc.id == locality_id), None)
    if locality is None:
        raise NotFound
    try:
        period = services.parse_period(
            request.args.get("period"), today=services.london_today(), kinds=(PeriodKind.QUARTER,)
        )
    except DomainError:
        raise NotFound from None
    return locality, period


@bp.route("/commentary", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def commentary() -> ResponseReturnValue:
    """A locality manager's commentary on a quarter, printed in the report."""
    locality, period = _commentary_quarter()
    existing = members.commentary_of(locality, period)
    form = CommentaryForm()
    if request.method == "GET" and existing is not None:
        form.key_messages.data, form.next_steps.data = existing.key_messages, existing.next_steps
    elif form.validate_on_submit():
        try:
            members.save_commentary(
                by=current_person(),
                locality=locality,
                period=period,
                key_messages=form.key_messages.data or "",
                next_steps=form.next_steps.data or "",
                confirmed=bool(form.confirm_identifiers.data),
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="key_messages")
        else:
            flash("Commentary saved: it is printed in the report.", "success")
            return redirect(url_for("dashboards.report", period=period.key, locality=locality.id))
    return render_template(
        "dashboards/commentary.html", form=form, locality=locality, period=period, title="Commentary for the report"
    )
