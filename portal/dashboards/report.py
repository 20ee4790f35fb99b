"""The quarterly report members read: a quarter's dashboard beside that of the quarter before and of the same
quarter last year, its headlines with their targets and red / amber / green (portal.dashboards.members), every
locality side by side when it covers several, attendance by agency, the managers' commentary, its CSV (one
quarter or a financial year's four) and the audit of every download (the PDF is rendered by
portal.dashboards.pdf)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from portal.accounts.models import User
from portal.common import audit
from portal.common.exports import safe_cell
from portal.dashboards import localities, members
from portal.dashboards.figures import (
    ORGANISATION_GROUPS,
    Dashboard,
    FeedbackFigures,
    agencies_represented_percent,
    dashboard,
    step_counts,
)
from portal.dashboards.models import ReportCommentary
from portal.dashboards.services import Filters, suppressed, utc_bounds
from portal.extensions import db
from portal.feedback.models import Theme, YouSaidWeDid
from portal.requests.models import Outcome, Step


def show(value: object, suffix: str = "") -> str:
    if value is None:
        return "No data"
    if value == 1 and suffix.endswith("days"):
        suffix = suffix.removesuffix("s")
    return f"{value}{suffix}"


@dataclass(frozen=True)
class Headline:
    label: str
    value: int | Decimal | None
    previous: int | Decimal | None
    suffix: str = ""
    # Whether a rise is good news, for the words of the trend ("up", "down" say what happened).
    higher_is_better: bool | None = True
    key: str = ""
    last_year: int | Decimal | None = None
    target: Decimal | None = None

    @property
    def last_year_shown(self) -> str:
        return show(self.last_year, self.suffix)

    @property
    def target_shown(self) -> str:
        if self.target is None:
            return "No target"
        target = int(self.target) if self.target == self.target.to_integral_value() else self.target
        return show(target, self.suffix)

    @property
    def rag(self) -> members.Rag | None:
        return members.rag(self.value, self.target, self.higher_is_better)

    @property
    def change(self) -> int | Decimal | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def shown(self) -> str:
        return show(self.value, self.suffix)

    @property
    def previous_shown(self) -> str:
        return show(self.previous, self.suffix)

    @property
    def trend(self) -> str:
        """The change since the quarter before in words, with its unit, and whether it is better or worse:
        "1 working day slower", "3 percentage points better", "2 more, worse", "12 more"."""
        change = self.change
        if change is None:
            return "No comparison"
        if change == 0:
            return "No change"
        size = abs(change)
        if self.suffix.strip() == "working days":  # more days is slower, which says whether it is better
            return f"{size} working {'day' if size == 1 else 'days'} {'slower' if change > 0 else 'faster'}"
        better = None if self.higher_is_better is None else (change > 0) == self.higher_is_better
        if self.suffix == "%":
            unit = f"percentage {'point' if size == 1 else 'points'}"
            if better is None:
                return f"{size} {unit} {'higher' if change > 0 else 'lower'}"
            return f"{size} {unit} {'better' if better else 'worse'}"
        amount = (
            f"{size} {'more' if change > 0 else 'fewer'}"
            if isinstance(change, int)
            else (f"{size} {'higher' if change > 0 else 'lower'}")
        )
        return amount if better is None else f"{amount}, {'better' if better else 'worse'}"


@dataclass(frozen=True)
class LocalityColumn:
    """One locality's figures for the quarter, for the side-by-side table."""

    name: str
    values: dict[str, int | Decimal | None]


@dataclass(frozen=True)
class Report:
    filters: Filters
    previous_filters: Filters
    headlines: list[Headline]
    feedback: FeedbackFigures
    you_said_we_did: list[YouSaidWeDid]
    this: Dashboard
    previous: Dashboard
    last_year_filters: Filters | None = None
    last_year: Dashboard | None = None
    side_by_side: list[LocalityColumn] = field(default_factory=list)
    commentaries: list[ReportCommentary] = field(default_factory=list)

    @property
    def title(self) -> str:
        """What the report covers, for the page, the PDF and the CSV: the localities by name and the quarter."""
        return f"Quarterly report for {self.filters.scope_label}: {self.filters.period.label}"

    @property
    def last_year_label(self) -> str:
        return self.last_year_filters.period.label if self.last_year_filters is not None else ""

    @property
    def suppresses_practitioners(self) -> bool:
        """Whether the page and the PDF show the mix by practitioner suppressed, as the CSV does."""
        return "Outcomes by practitioner" in SUPPRESSED_OUTCOME_SECTIONS


# The headline measures: key, label, suffix, whether higher is better, and how each is read off a dashboard.
Reader = Callable[[Dashboard], "int | Decimal | None"]
HEADLINES: tuple[tuple[str, str, str, bool | None, Reader], ...] = (
    ("received", "Requests received", "", None, lambda d: d.demand.total),
    (
        "acknowledged_on_time",
        "Acknowledged within the service level",
        "%",
        True,
        lambda d: d.responsiveness.step(Step.ACKNOWLEDGE).on_time_percent,
    ),
    (
        "median_acknowledge",
        "Median working days to acknowledge",
        " working days",
        False,
        lambda d: d.responsiveness.step(Step.ACKNOWLEDGE).median,
    ),
    (
        "outcome_on_time",
        "Outcome shared within the service level",
        "%",
        True,
        lambda d: d.responsiveness.step(Step.OUTCOME).on_time_percent,
    ),
    (
        "median_outcome",
        "Median working days to share the outcome",
        " working days",
        False,
        lambda d: d.responsiveness.step(Step.OUTCOME).median,
    ),
    ("promises_kept", "Promises kept by their due date", "%", True, lambda d: d.responsiveness.kept_percent),
    ("escalations", "Asked to speak to a manager", "", False, lambda d: d.responsiveness.escalations),
    ("disagreements", "Disagreements with the outcome", "", False, lambda d: d.responsiveness.disagreements),
    ("feedback_entries", "Feedback entries", "", None, lambda d: d.feedback.period.count),
    ("average_rating", "Average feedback rating (out of 5)", "", True, lambda d: d.feedback.period.average),
    ("helpful", "Found the consultation helpful", "%", True, lambda d: d.feedback.helpful_percent),
    (
        "schools_represented",
        "Schools represented at partnership meetings",
        "%",
        True,
        lambda d: d.engagement.coverage,
    ),
    (
        "agencies_represented",
        "Invited organisations represented at meetings",
        "%",
        True,
        lambda d: agencies_represented_percent(d.agencies),
    ),
    (
        "repeats",
        "Requests about a child asked about in the 12 months before",
        "%",
        False,
        lambda d: d.outcomes.repeat_percent,
    ),
    (
        "worker_changes",
        "Worker changes per closed request",
        "",
        False,
        lambda d: d.outcomes.changes_per_request,
    ),
)


def headline_values(d: Dashboard) -> dict[str, int | Decimal | None]:
    return {key: read(d) for key, _, _, _, read in HEADLINES}


def headlines(
    this: Dashboard,
    previous: Dashboard,
    last_year: Dashboard | None = None,
    targets: dict[str, Decimal] | None = None,
) -> list[Headline]:
    targets = targets or {}
    return [
        Headline(
            label,
            read(this),
            read(previous),
            suffix,
            higher_is_better=better,
            key=key,
            last_year=read(last_year) if last_year is not None else None,
            target=targets.get(key) if better is not None else None,
        )
        for key, label, suffix, better, read in HEADLINES
    ]


def report(f: Filters, *, side_by_side: bool = True) -> Report:
    """The quarterly report: `f.period` is a quarter; trends are against the quarter before, and the same
    quarter last year is shown beside it. A report of several localities (and no pod or practitioner) also
    shows each locality's figures side by side (`side_by_side`)."""
    previous_filters = f.with_period(f.period.previous())
    last_year_filters = f.with_period(f.period.year_before())
    counted = step_counts(f)  # this quarter's step timings, read by its dashboard and the localities side by side
    this = dashboard(f, counted=counted)
    previous, last_year = dashboard(previous_filters, comparison=True), dashboard(last_year_filters, comparison=True)
    start, end = utc_bounds(f.period)
    ysw = YouSaidWeDid
    you_said = list(
        db.session.scalars(
            select(ysw)
            .where(
                ysw.published_at >= start,
                ysw.published_at < end,
                or_(ysw.locality_id.is_(None), ysw.locality_id.in_(f.locality_ids)),
            )
            .order_by(ysw.published_at.desc(), ysw.id.desc())
        )
    )
    columns: list[LocalityColumn] = []
    if side_by_side and f.locality is None and not f.narrowed and len(f.area.localities) > 1:
        values = localities.by_locality(f, counted)
        columns = [
            LocalityColumn(loc.name, values[loc.id]) for loc in sorted(f.area.localities, key=lambda loc: loc.name)
        ]
    return Report(
        f,
        previous_filters,
        headlines(this, previous, last_year, members.targets_for(f.locality_ids)),
        this.feedback,
        you_said,
        this,
        previous,
        last_year_filters,
        last_year,
        columns,
        members.commentaries(f.locality_ids, f.period),
    )


def report_csv(rep: Report) -> str:
    """The report's figures as CSV, with the dashboard's figures the page has no room for (each step's
    90th percentile, overdue now, promises missed, the pulse's second question, engagement). Numbers are
    written as numbers; every text cell is neutralised against formula injection."""
    f = rep.filters
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def row(*cells: object) -> None:
        writer.writerow([safe_cell(c) for c in cells])

    def figure(section: str, measure: str, now: int | Decimal | None, then: int | Decimal | None) -> None:
        change = now - then if now is not None and then is not None else ""
        row(section, measure, "No data" if now is None else now, "No data" if then is None else then, change)

    row(rep.title, f.period.long_label)
    row("Area", f.scope_label)
    row("Previous quarter", rep.previous_filters.period.label)
    row("Same quarter last year", rep.last_year_label)
    row()
    row(
        "Section",
        "Measure",
        f.period.label,
        rep.previous_filters.period.label,
        "Change",
        rep.last_year_label,
        "Target",
        "RAG",
    )
    for h in rep.headlines:
        target = h.target_shown if h.higher_is_better is not None else ""
        row(
            "Headline",
            h.label,
            h.shown,
            h.previous_shown,
            h.trend,
            h.last_year_shown,
            target,
            h.rag.label if h.rag else "",
        )
    for c in rep.commentaries:
        row("Commentary", f"{c.locality.name}: key messages", c.key_messages, "", "")
        row("Commentary", f"{c.locality.name}: what we will do next", c.next_steps, "", "")
    if rep.side_by_side:
        row()
        row("Localities side by side", "Measure", *[column.name for column in rep.side_by_side], "All")
        for h in (h for h in rep.headlines if h.key in rep.side_by_side[0].values):
            cells = [show(column.values[h.key], h.suffix) for column in rep.side_by_side]
            row("Localities side by side", h.label, *cells, h.shown)
        row()
    for a, pa in zip(rep.this.agencies, rep.previous.agencies, strict=True):
        figure("Meetings by agency", f"{a.group}: invited", a.invited, pa.invited)
        figure("Meetings by agency", f"{a.group}: said they would come", a.attending, pa.attending)
        figure("Meetings by agency", f"{a.group}: on the registers taken", a.recorded, pa.recorded)
        figure("Meetings by agency", f"{a.group}: came", a.represented, pa.represented)
    this, before = rep.this.responsiveness, rep.previous.responsiveness
    for step in Step:
        s, b = this.step(step), before.step(step)
        figure("Responsiveness", f"{step.label}: done", s.done, b.done)
        figure("Responsiveness", f"{step.label}: within the service level (%)", s.on_time_percent, b.on_time_percent)
        figure("Responsiveness", f"{step.label}: median working days", s.median, b.median)
        figure("Responsiveness", f"{step.label}: 90th percentile working days", s.p90, b.p90)
    # Overdue is counted today, whatever the quarter: there is no figure for the quarter before.
    row("Responsiveness", "Overdue now", this.overdue_now, "", "")
    figure("Promises", "Promises due", this.promises_made, before.promises_made)
    figure("Promises", "Kept by their due date", this.promises_kept, before.promises_kept)
    figure("Promises", "Missed (not kept by their due date)", this.promises_missed, before.promises_missed)
    figure("Promises", "Of those missed, kept late", this.promises_kept_late, before.promises_kept_late)
    figure("Promises", "Missed (%)", this.missed_percent, before.missed_percent)
    figure("Escalations", "Answered", this.escalations_answered, before.escalations_answered)
    for theme in Theme:
        cell, earlier = rep.feedback.period_by_theme[theme], rep.feedback.previous_by_theme[theme]
        figure("Feedback", f"{theme.label}: entries", cell.count, earlier.count)
        figure("Feedback", f"{theme.label}: average rating", cell.average, earlier.average)
    fb, pfb = rep.this.feedback, rep.previous.feedback
    figure("Pulse", "Answers", fb.pulse_count, pfb.pulse_count)
    figure("Pulse", "Found the consultation helpful (%)", fb.helpful_percent, pfb.helpful_percent)
    figure("Pulse", "Knew what would happen next (%)", fb.knew_next_percent, pfb.knew_next_percent)
    e, pe = rep.this.engagement, rep.previous.engagement
    figure("Engagement", "Partnership meetings", len(e.meetings), len(pe.meetings))
    figure("Engagement", "Schools represented at partnership meetings", e.represented, pe.represented)
    figure("Engagement", "Schools on the registers taken", e.recorded, pe.recorded)
    figure("Engagement", "Schools represented (%)", e.coverage, pe.coverage)
    for now_s, then_s in zip(e.sessions, pe.sessions, strict=True):
        label = now_s.kind.label
        figure("Engagement", f"{label}: sessions", now_s.sessions, then_s.sessions)
        figure("Engagement", f"{label}: places", now_s.places, then_s.places)
        figure("Engagement", f"{label}: places booked", now_s.booked, then_s.booked)
        figure("Engagement", f"{label}: uptake (%)", now_s.uptake, then_s.uptake)
        figure("Engagement", f"{label}: attended", now_s.attended, then_s.attended)
    figure("Engagement", "Pod invites: invited", e.invitees, pe.invitees)
    figure("Engagement", "Pod invites: accepted", e.accepted, pe.accepted)
    figure("Engagement", "Pod invites: declined", e.declined, pe.declined)
    figure("Engagement", "Pod invites: proposed another time", e.proposed, pe.proposed)
    figure("Engagement", "Pod invites: accepted (%)", e.acceptance, pe.acceptance)
    demand = rep.this.demand
    for group in ORGANISATION_GROUPS:
        figure(
            "Requests by organisation type", group, demand.group_total(group), rep.previous.demand.group_total(group)
        )
    for name, count in demand.schools:
        row("Requests by school", name, suppressed(count), "", "")
    _outcome_rows(row, figure, rep)
    for entry in rep.you_said_we_did:
        row("You said, we did", entry.theme.label, entry.you_said, entry.we_did, "")
    return out.getvalue()


# The report's outcome tables whose cells of 1 to 4 read "fewer than 5" (services.suppressed), on the page, in
# the PDF and in the CSV alike: by organisation type (a type can be one organisation) and by practitioner (a
# practitioner's few requests could point to a child). The page passes the same choice to its macro.
SUPPRESSED_OUTCOME_SECTIONS = frozenset({"Outcomes by practitioner", "Outcomes by organisation type"})


def _outcome_rows(row: Any, figure: Any, rep: Report) -> None:
    """The outcomes section of the CSV: the mix of this quarter and the one before, then this quarter's mix by
    locality, practitioner and organisation type (cells of 1 to 4 by practitioner and by type as "fewer than 5",
    as on the page), the repeat-request share and worker changes."""
    o, po = rep.this.outcomes, rep.previous.outcomes
    for outcome in Outcome:
        figure("Outcomes", f"{outcome.label}: closed", o.closed.counts[outcome], po.closed.counts[outcome])
        figure(
            "Outcomes", f"{outcome.label}: of those closed (%)", o.closed.percent(outcome), po.closed.percent(outcome)
        )
    figure("Outcomes", "Requests closed", o.closed.total, po.closed.total)
    figure("Outcomes", "Requests received", o.received, po.received)
    figure("Outcomes", "About a child asked about in the 12 months before", o.repeats, po.repeats)
    figure("Outcomes", "About a child asked about in the 12 months before (%)", o.repeat_percent, po.repeat_percent)
    figure("Outcomes", "Worker changes on the requests closed", o.worker_changes, po.worker_changes)
    figure("Outcomes", "Worker changes per closed request", o.changes_per_request, po.changes_per_request)
    figure("Outcomes", "Closed requests that changed worker", o.reassigned, po.reassigned)
    figure("Outcomes", "Closed requests that kept one worker (%)", o.one_worker_percent, po.one_worker_percent)
    for section, rows in (
        ("Outcomes by locality", o.by_locality),
        ("Outcomes by practitioner", o.by_practitioner),
        ("Outcomes by organisation type", o.by_group),
    ):
        suppress = section in SUPPRESSED_OUTCOME_SECTIONS
        for mix in rows:
            for outcome in Outcome:
                count = mix.counts[outcome]
                row(section, f"{mix.label}: {outcome.label}", suppressed(count) if suppress else count, "", "")


def year_csv(reports: list[Report]) -> str:
    """A financial year's four quarterly reports in one CSV, one after another (a blank row between)."""
    return "\r\n".join(report_csv(rep) for rep in reports)


def record_export(rep: Report, *, by: User, file_format: str) -> None:
    """Every download of the report is audited: who, which figures, in which format. In its own
    transaction, as views of requests are, since a GET commits nothing else."""
    f = rep.filters
    audit.record_now(
        "dashboards.report_exported",
        actor_id=by.id,
        format=file_format,
        period=f.period.key,
        locality_id=f.locality.id if f.locality else None,
        pod_id=f.pod.id if f.pod else None,
        practitioner_id=f.practitioner.id if f.practitioner else None,
    )
