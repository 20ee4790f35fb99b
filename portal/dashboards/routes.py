"""Managers' dashboards and the quarterly report (page, tagged PDF, CSV)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue

from portal.common.errors import DomainError
from portal.common.periods import PeriodKind, quarter
from portal.common.permissions import NotFound, current_person, role_required
from portal.dashboards import charts, figures, services
from portal.dashboards import report as quarterly  # under another name: the views below are report and report_csv
from portal.dashboards.forms import filter_choices
from portal.dashboards.pdf import render_pdf

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")


@bp.context_processor
def chart_helpers() -> dict[str, object]:
    return {
        "charts": charts,
        "groups": figures.ORGANISATION_GROUPS,
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
    return render_template("dashboards/report.html", title=rep.title, rep=rep)


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
