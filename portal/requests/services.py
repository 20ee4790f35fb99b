"""Requests: ask, work, close with an outcome; messages, promises, escalations, clocks, reminders.

Each state change is a service that enforces its rules, writes the timeline and the audit log, and
queues e-mails (a reference and a link, never case details). Services flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, load_only, selectinload

from portal import access
from portal.accounts.models import User
from portal.common import audit, outbox
from portal.common.errors import DomainError
from portal.common.identifiers import check_free_text
from portal.common.links import public_url_for
from portal.common.permissions import Forbidden, NotFound
from portal.common.roles import Role
from portal.common.times import format_date, format_datetime, london_date, london_today
from portal.common.working_days import (
    add_working_days,
    due_at,
    respond_by,
    working_days_between,
)
from portal.directory.models import Locality, NeedLevel, Organisation
from portal.directory.services import route_for, who_is_in
from portal.extensions import db
from portal.models_base import utcnow
from portal.requests import filters as request_filters
from portal.requests import timings
from portal.requests.filters import RequestFilters, overdue_condition
from portal.requests.models import (
    ConsultationMethod,
    ConsultationRequest,
    Escalation,
    EscalationKind,
    EscalationStage,
    EventKind,
    Outcome,
    Promise,
    RequestEvent,
    RequestKind,
    RequestPause,
    RequestStatus,
    Urgency,
)

OPEN_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.ACKNOWLEDGED,
    RequestStatus.SCHEDULED,
    RequestStatus.WAITING_ON_PARTNER,
)
QUEUE_PAGE_SIZE = 50
# The columns of a request the queue shows or its clocks read (templates/requests/list.html, clocks()).
QUEUE_COLUMNS = (
    ConsultationRequest.kind,
    ConsultationRequest.status,
    ConsultationRequest.organisation_id,
    ConsultationRequest.worker_id,
    ConsultationRequest.received_at,
    ConsultationRequest.acknowledged_at,
    ConsultationRequest.consultation_at,
    ConsultationRequest.closed_at,
    ConsultationRequest.acknowledge_due,
    ConsultationRequest.consult_due,
    ConsultationRequest.outcome_due,
    # The list's child and next step (and the homes' "Next: …"):
    ConsultationRequest.child_initials,
    ConsultationRequest.child_birth_year,
    ConsultationRequest.case_reference,
    ConsultationRequest.next_step,
    ConsultationRequest.expected_by,
    ConsultationRequest.urgency,
    ConsultationRequest.respond_by_at,
)


def _event(req: ConsultationRequest, kind: EventKind, *, by: User | None, text: str = "") -> None:
    req.events.append(RequestEvent(kind=kind, actor_id=by.id if by else None, text=text))


def timeline(req: ConsultationRequest, *, user: User) -> list[RequestEvent]:
    """The request's timeline as `user` may read it: staff see every entry, a partner never a staff-only one."""
    if user.role in (Role.PRACTITIONER, Role.MANAGER):
        return list(req.events)
    return [event for event in req.events if not event.staff_only]


def _link(req: ConsultationRequest) -> str:
    return public_url_for("requests.request_page", request_id=req.id)


def _notify(user: User | None, req: ConsultationRequest, *, subject: str, what: str) -> None:
    """An e-mail that says something changed, with the reference and a link — never case details."""
    if user is None or not user.is_active:
        return
    outbox.enqueue(
        to=user,
        subject=f"{subject} ({req.reference})",
        template="emails/request_update.txt",
        name=user.name,
        what=what,
        reference=req.reference,
        link=_link(req),
    )


# --- who may see what -----------------------------------------------------------------------------


def visible_to(user: User, query: Select[tuple[ConsultationRequest]]) -> Select[tuple[ConsultationRequest]]:
    """Restrict `query` to what `user` may see: a partner their organisation's requests; practitioners and
    managers those of the localities they work for today (portal.access), plus those assigned or sent to
    them or to the people they cover today. Admins run the system and do not see case records."""
    r = ConsultationRequest
    if user.role is Role.PARTNER:
        return query.where(r.organisation_id.in_(access.partner_organisation_ids(user)))
    if user.role in (Role.PRACTITIONER, Role.MANAGER):
        today = london_today()
        # Covering for someone means answering for their requests, wherever the cover works: those
        # assigned to them, and those sent to them that nobody has picked up yet.
        mine = access.answering_for_ids(user, on=today)
        seen = [
            r.locality_id.in_(access.work_locality_ids(user, on=today)),
            r.worker_id.in_(mine),
            and_(r.worker_id.is_(None), r.routed_to_id.in_(mine)),
        ]
        # Covering for the locality's manager means answering the partners waiting for a manager there. Looked up
        # first (no query for someone who covers nobody; none found for most who do), so that the usual query
        # keeps its shape: a branch with subqueries in this OR made PostgreSQL scan the requests (the queue
        # 10 -> 143 ms at 1,000,000).
        covered_manager_localities = access.localities_managed_by(mine[1:])
        if covered_manager_localities:
            seen.append(
                and_(
                    r.locality_id.in_(covered_manager_localities),
                    r.id.in_(select(Escalation.request_id).where(Escalation.responded_at.is_(None))),
                )
            )
        if user.role is Role.MANAGER and user.is_head_of_service:
            # The head of service answers the escalations that reached them, in any locality.
            seen.append(
                r.id.in_(select(Escalation.request_id).where(Escalation.stage >= EscalationStage.HEAD_OF_SERVICE))
            )
        return query.where(or_(*seen))
    return query.where(false())


def get_request(request_id: int, *, user: User) -> ConsultationRequest:
    """The request when `user` may see it; otherwise NotFound, so its existence does not leak."""
    query = visible_to(user, select(ConsultationRequest).where(ConsultationRequest.id == request_id))
    req = db.session.scalar(query)
    if req is None:
        raise NotFound
    return req


def record_view(req: ConsultationRequest, *, user: User) -> None:
    """Every view of a request is audited, in its own transaction (GET requests commit nothing else)."""
    audit.record_now("request.viewed", actor_id=user.id, object_type="ConsultationRequest", object_id=req.id)


def _ensure_staff_of(user: User, req: ConsultationRequest) -> None:
    if user.role not in (Role.PRACTITIONER, Role.MANAGER):
        raise NotFound
    get_request(req.id, user=user)


def _ensure_partner_of(user: User, req: ConsultationRequest) -> None:
    if not access.is_partner_of(user, req.organisation_id):
        raise NotFound


# --- asking ---------------------------------------------------------------------------------------


def front_door_phone(user: User) -> str | None:
    """The Front Door number of the locality of `user`'s organisation, shown on the request form."""
    locality = user.organisation.locality if user.organisation is not None else None
    return locality.front_door_phone if locality is not None and locality.front_door_phone else None


def _submitted_with(by: User, submission_key: str) -> ConsultationRequest | None:
    return db.session.scalar(
        select(ConsultationRequest).where(
            ConsultationRequest.created_by_id == by.id, ConsultationRequest.submission_key == submission_key
        )
    )


REPEAT_WINDOW = timedelta(days=365)


def asked_before(req: ConsultationRequest) -> bool:
    """Whether the child of `req` (not yet saved) was asked about in the 365 days before it arrived: a request
    from the same organisation with the same initials and year of birth, or with the same case reference.
    Anonymised requests match nothing. Counted on the dashboards as the repeat-request share."""
    r = ConsultationRequest
    same_child = []
    if req.case_reference:
        same_child.append(r.case_reference == req.case_reference)
    if req.child_initials and req.child_birth_year is not None:
        same_child.append(
            and_(
                r.organisation_id == req.organisation_id,
                r.child_initials == req.child_initials,
                r.child_birth_year == req.child_birth_year,
            )
        )
    if not same_child:
        return False
    query = select(r.id).where(
        or_(*same_child),
        r.received_at >= req.received_at - REPEAT_WINDOW,
        r.received_at <= req.received_at,
        r.anonymised_at.is_(None),
    )
    return db.session.scalar(query.limit(1)) is not None


def submit_request(
    *,
    by: User,
    kind: RequestKind,
    child_initials: str,
    child_birth_year: int | None,
    case_reference: str,
    summary: str,
    help_wanted: str,
    confirmed: bool,
    submission_key: str | None = None,
    urgency: Urgency = Urgency.ROUTINE,
) -> ConsultationRequest:
    """A partner asks. It goes to the school's locality and its own lead, or to the cover when the lead is
    away, else to the locality's duty lead (portal.directory.services.route_for). A "today" request reaches
    the lead and who covers them at once.

    With a `submission_key`, the same form posted again returns the request the first post made.
    """
    if submission_key and (earlier := _submitted_with(by, submission_key)) is not None:
        return earlier
    if by.role is not Role.PARTNER or by.organisation is None:
        raise DomainError("Only partners of a school or agency can make a request")
    locality = by.organisation.locality
    if locality is None:
        raise DomainError("Your organisation is not in a locality yet. Call the Front Door.")
    initials = "".join(ch for ch in child_initials.upper() if ch.isalpha())
    if not case_reference.strip() and not (initials and child_birth_year):
        raise DomainError("Enter the child's initials and year of birth, or a case reference")
    check_free_text(summary=summary, help_wanted=help_wanted, confirmed=confirmed)
    received = utcnow()
    start = london_date(received)
    # The school's own lead, or who covers them, else the duty lead (or their cover), else the manager.
    route = route_for(locality, on=start, organisation=by.organisation)
    routed_to = route.contact
    req = ConsultationRequest(
        kind=kind,
        organisation_id=by.organisation.id,
        locality_id=locality.id,
        created_by_id=by.id,
        routed_to_id=routed_to.id if routed_to else None,
        child_initials=initials if not case_reference.strip() else "",
        child_birth_year=child_birth_year if not case_reference.strip() else None,
        case_reference=case_reference.strip().upper(),
        summary=summary.strip(),
        help_wanted=help_wanted.strip(),
        received_at=received,
        urgency=urgency,
        **due_dates(locality, received=received, urgency=urgency),
    )
    req.submission_key = submission_key or None
    req.is_repeat = asked_before(req)
    try:
        # In a savepoint: when a simultaneous post of the same form got there first, only this insert is undone.
        with db.session.begin_nested():
            db.session.add(req)
            _event(req, EventKind.SUBMITTED, by=by)
    except IntegrityError:
        earlier = _submitted_with(by, submission_key) if submission_key else None
        if earlier is None:
            raise
        return earlier
    audit.record("request.submitted", obj=req, kind=kind.value, urgency=urgency.value, identifiers_confirmed=confirmed)
    if urgency is Urgency.TODAY:
        # Both the lead and who covers them: whoever is free first answers.
        told = {u.id: u for u in (route.lead, routed_to) if u is not None}
        for person in told.values():
            _notify(
                person,
                req,
                subject="Urgent: a response is needed today",
                what=f"A partner needs a response today, by {format_datetime(req.respond_by_at)}.",
            )
    else:
        _notify(routed_to, req, subject="New request", what="A partner has sent a new request to your locality.")
    _notify(
        by,
        req,
        subject="Request sent",
        what=(
            f"Your request has reached the locality team{f' ({routed_to.name})' if routed_to else ''}. They will"
            f" acknowledge it and tell you what happens next by {respond_by_text(req)}; you will get"
            " an e-mail when they do, and you can follow it in the portal."
        ),
    )
    return req


def due_dates(locality: Locality, *, received: datetime, urgency: Urgency) -> dict[str, date | datetime | None]:
    """A new request's due dates by its urgency and the locality's service levels. Routine: the locality's
    working days for each clock. "Within a working day": acknowledged and consulted within the locality's
    days for it. "Today": acknowledged and consulted by a moment in working hours (see
    portal.common.working_days.respond_by), the due dates being that moment's day. The outcome is never due
    before the consultation."""
    routine = {
        "acknowledge_due": due_at(received, locality.sla_acknowledge_days),
        "consult_due": due_at(received, locality.sla_consult_days),
        "outcome_due": due_at(received, locality.sla_outcome_days),
    }
    respond_by_at: datetime | None = None
    if urgency is Urgency.ROUTINE:
        return {**routine, "respond_by_at": None}
    if urgency is Urgency.TODAY:
        cutoff, same_day_by, next_day_by = locality.today_rule
        respond_by_at = respond_by(received, cutoff=cutoff, same_day_by=same_day_by, next_day_by=next_day_by)
        due = london_date(respond_by_at)
    else:
        due = due_at(received, locality.sla_soon_days)
    return {
        "acknowledge_due": min(due, routine["acknowledge_due"]),
        "consult_due": min(due, routine["consult_due"]),
        "outcome_due": routine["outcome_due"],
        "respond_by_at": respond_by_at,
    }


def respond_by_text(req: ConsultationRequest) -> str:
    """When the partner hears back: '4 December 2026 at 5pm' for a "today" request, else the day."""
    if req.respond_by_at is not None and req.acknowledged_at is None:
        return format_datetime(req.respond_by_at)
    return format_date(req.acknowledge_due)


# --- working it -----------------------------------------------------------------------------------


def assignable_workers(req: ConsultationRequest) -> list[User]:
    """Who may be the request's worker: the active staff of its locality (portal.access.staff_of)."""
    return list(db.session.scalars(select(User).where(access.staff_of([req.locality_id])).order_by(User.name)))


def acknowledge_request(
    req: ConsultationRequest, *, by: User, worker_id: int, next_step: str, expected_by: date
) -> ConsultationRequest:
    """Assign a worker and tell the partner what happens next and by when."""
    _ensure_staff_of(by, req)
    if req.status is not RequestStatus.SUBMITTED:
        raise DomainError("This request has already been acknowledged")
    worker = next((u for u in assignable_workers(req) if u.id == worker_id), None)
    if worker is None:
        raise DomainError("Select a worker from the locality")
    if expected_by < london_today():
        raise DomainError("The expected date must be today or in the future")
    req.status = RequestStatus.ACKNOWLEDGED
    req.worker_id = worker.id
    req.next_step = next_step.strip()
    req.expected_by = expected_by
    req.acknowledged_at = utcnow()
    timings.record_acknowledged(req)
    _event(req, EventKind.ACKNOWLEDGED, by=by, text=req.next_step)
    audit.record("request.acknowledged", obj=req, worker_id=worker.id)
    _notify(
        req.created_by,
        req,
        subject="Your request has been acknowledged",
        what="We have read your request and written what will happen next.",
    )
    if worker.id != by.id:
        _notify(worker, req, subject="A request has been assigned to you", what="You are the worker for this request.")
    db.session.flush()
    return req


def may_reassign(user: User, req: ConsultationRequest, *, today: date | None = None) -> bool:
    """Who may pass a request to another worker: who holds it (its worker, or who it was sent to), the lead
    of its school (or the duty lead for an organisation without one), whoever covers either of them today,
    and a manager of its locality (portal.access)."""
    if user.role not in (Role.PRACTITIONER, Role.MANAGER) or not req.is_open:
        return False
    if access.manages(user, req.locality_id):
        return True
    answering = access.answering_for_ids(user, on=today or london_today())
    holder = req.worker_id or req.routed_to_id
    lead = req.organisation.lead_id or req.locality.lead_id
    return holder in answering or lead in answering


def reassign_request(req: ConsultationRequest, *, by: User, worker_id: int, reason: str) -> ConsultationRequest:
    """Pass an open request to another worker of its locality, with a reason the partner reads. Before it is
    acknowledged it is sent to them to acknowledge; after, they become its worker. Each change is on the
    timeline and counted (`worker_changes`: the dashboards' "one social worker, one journey")."""
    _ensure_staff_of(by, req)
    if req.status is RequestStatus.CLOSED:
        raise DomainError("You cannot reassign a closed request")
    if not may_reassign(by, req):
        raise Forbidden
    worker = next((u for u in assignable_workers(req) if u.id == worker_id), None)
    if worker is None:
        raise DomainError("Select a worker from the locality", field="worker_id")
    holder_id = req.worker_id or req.routed_to_id
    if worker.id == holder_id:
        raise DomainError(f"{worker.name} already holds this request. Select someone else", field="worker_id")
    reason = reason.strip()
    if not reason:
        raise DomainError("Enter why the request is moving to another worker", field="reason")
    previous = req.worker or req.routed_to
    if req.worker_id is not None:
        req.worker_id = worker.id
    else:
        req.routed_to_id = worker.id
    req.worker_changes = (req.worker_changes or 0) + 1
    # The reason alone: who holds it now is the request's worker (the page's "Contact"), and the audit log
    # keeps who it moved from and to. A name in the text would read to the identifier check as a child's.
    _event(req, EventKind.REASSIGNED, by=by, text=reason)
    audit.record("request.reassigned", obj=req, from_id=holder_id, to_id=worker.id, worker_changes=req.worker_changes)
    _notify(
        req.created_by,
        req,
        subject="Your request is with someone new",
        what="Your request has moved to another worker. The portal says who holds it now and why.",
    )
    if worker.id != by.id:
        _notify(worker, req, subject="A request has been passed to you", what="You now hold this request.")
    if previous is not None and previous.id not in (by.id, worker.id):
        _notify(previous, req, subject="A request has moved on", what="This request is now held by someone else.")
    db.session.flush()
    return req


def schedule_request(
    req: ConsultationRequest, *, by: User, when: datetime, method: ConsultationMethod, details: str
) -> ConsultationRequest:
    """Set (or move) when and how the consultation takes place."""
    _ensure_staff_of(by, req)
    if req.status not in (RequestStatus.ACKNOWLEDGED, RequestStatus.SCHEDULED):
        raise DomainError(
            "Acknowledge the request before you schedule it"
            if req.status is RequestStatus.SUBMITTED
            else "This request cannot be scheduled now"
        )
    if when < utcnow() - timedelta(minutes=5):
        raise DomainError("The consultation must be in the future")
    moved = req.status is RequestStatus.SCHEDULED
    req.status = RequestStatus.SCHEDULED
    req.consultation_at = when
    req.consultation_method = method
    req.consultation_details = details.strip()
    req.scheduled_at = req.scheduled_at or utcnow()
    _event(req, EventKind.SCHEDULED, by=by, text=f"{method.label}. {req.consultation_details}".strip())
    audit.record("request.scheduled", obj=req, moved=moved)
    _notify(
        req.created_by,
        req,
        subject="Your consultation has been " + ("moved" if moved else "arranged"),
        what="The date and time of your consultation are in the portal.",
    )
    db.session.flush()
    return req


def wait_on_partner(req: ConsultationRequest, *, by: User, reason: str) -> ConsultationRequest:
    """The request needs something from the partner: its clocks stop until they answer."""
    _ensure_staff_of(by, req)
    if req.status not in (RequestStatus.ACKNOWLEDGED, RequestStatus.SCHEDULED):
        raise DomainError("Only an acknowledged request can wait on the partner")
    now = utcnow()
    req.status = RequestStatus.WAITING_ON_PARTNER
    req.paused_since = now
    req.pauses.append(RequestPause(started_at=now, reason=reason.strip()))
    _event(req, EventKind.WAITING, by=by, text=reason.strip())
    audit.record("request.waiting_on_partner", obj=req)
    _notify(
        req.created_by,
        req,
        subject="We need something from you",
        what="We are waiting for information from you before we can go on.",
    )
    db.session.flush()
    return req


def _resume(req: ConsultationRequest, *, by: User | None) -> None:
    """Restart the clocks: every due date not yet met moves on by the working days spent waiting."""
    now = utcnow()
    paused_from = london_date(req.paused_since or now)
    # Only working days paused from start to end are given back (the rule of working_days): those
    # after the day the wait began and before the day it ended.
    lost = working_days_between(paused_from, london_date(now) - timedelta(days=1))
    for pause in req.pauses:
        if pause.ended_at is None:
            pause.ended_at = now

    def extended(due: date) -> date:
        # A clock that had already run out when the wait began stays run out (as in
        # working_days.due_date_with_pauses): waiting on the partner must not make an overdue request
        # look on time again.
        return add_working_days(due, lost) if paused_from < due else due

    if lost:
        if req.acknowledged_at is None:
            req.acknowledge_due = extended(req.acknowledge_due)
        # Booked is not done: until the consultation takes place its clock runs, and the days paused are
        # taken out of it (portal.requests.timings), so its due date moves too.
        if req.consultation_at is None or req.consultation_at > now:
            req.consult_due = extended(req.consult_due)
        req.outcome_due = extended(req.outcome_due)
    req.paused_since = None
    req.status = RequestStatus.SCHEDULED if req.consultation_at is not None else RequestStatus.ACKNOWLEDGED
    _event(req, EventKind.RESUMED, by=by)
    audit.record("request.resumed", obj=req, working_days_paused=lost)


def resume_request(req: ConsultationRequest, *, by: User) -> ConsultationRequest:
    _ensure_staff_of(by, req)
    if req.status is not RequestStatus.WAITING_ON_PARTNER:
        raise DomainError("This request is not waiting on the partner")
    _resume(req, by=by)
    db.session.flush()
    return req


def unfinished_work(req: ConsultationRequest, *, now: datetime | None = None) -> list[str]:
    """What closing `req` now would leave undone: a consultation arranged for later, promises not yet kept."""
    now = now or utcnow()
    unfinished = []
    if req.consultation_at is not None and req.consultation_at > now and req.status is RequestStatus.SCHEDULED:
        unfinished.append(f"The consultation arranged for {format_datetime(req.consultation_at)} has not happened yet")
    unfinished += [
        f"The promise “{p.text}”, due {format_date(p.due_on)}, has not been kept"
        for p in sorted(req.promises, key=lambda p: (p.due_on, p.id))
        if p.kept_at is None
    ]
    return unfinished


def need_levels(req: ConsultationRequest) -> list[NeedLevel]:
    """The levels of need the request's locality offers now (its own list, set by admins)."""
    return list(
        db.session.scalars(
            select(NeedLevel)
            .where(NeedLevel.locality_id == req.locality_id, NeedLevel.retired.is_(False))
            .order_by(NeedLevel.position, NeedLevel.id)
        )
    )


def close_request(
    req: ConsultationRequest,
    *,
    by: User,
    outcome: Outcome,
    summary: str,
    close_unfinished: bool = False,
    need_level_id: int | None = None,
) -> ConsultationRequest:
    """Close with an outcome code and a summary the partner reads, and the level of need advised from the
    locality's own list (required when it has one). With work not finished (`unfinished_work`), only when
    the closer has said they mean it (`close_unfinished`): the partner would otherwise read an outcome, and
    the figures count a consultation "done", before the call has happened."""
    _ensure_staff_of(by, req)
    levels = need_levels(req)
    level = next((lv for lv in levels if lv.id == need_level_id), None)
    if levels and level is None:
        raise DomainError("Select the level of need you advised", field="need_level_id")
    if req.status is RequestStatus.SUBMITTED:
        raise DomainError("Acknowledge the request before you close it")
    if req.status is RequestStatus.CLOSED:
        raise DomainError("This request is already closed")
    if unfinished_work(req) and not close_unfinished:
        raise DomainError(
            "Confirm that you want to close the request before its work is finished", field="close_unfinished"
        )
    if req.status is RequestStatus.WAITING_ON_PARTNER:
        _resume(req, by=by)
    req.status = RequestStatus.CLOSED
    req.outcome = outcome
    req.outcome_summary = summary.strip()
    req.need_level_id = level.id if level is not None else None
    req.closed_at = utcnow()
    timings.record_closed(req)
    advised = f" Level of need advised: {level.name}." if level is not None else ""
    _event(req, EventKind.CLOSED, by=by, text=f"{outcome.label}.{advised} {req.outcome_summary}")
    audit.record("request.closed", obj=req, outcome=outcome.value, need_level_id=req.need_level_id)
    _notify(
        req.created_by,
        req,
        subject="The outcome of your request",
        what="The outcome of your request, and what happens next, are in the portal.",
    )
    db.session.flush()
    return req


# --- messages -------------------------------------------------------------------------------------


def add_message(req: ConsultationRequest, *, by: User, text: str, confirmed: bool) -> RequestEvent:
    """Partner and practitioner write to each other on the request. A partner's reply ends a wait."""
    if by.role is Role.PARTNER:
        _ensure_partner_of(by, req)
    else:
        _ensure_staff_of(by, req)
    check_free_text(text=text, confirmed=confirmed)
    event = RequestEvent(kind=EventKind.MESSAGE, actor_id=by.id, text=text.strip())
    req.events.append(event)
    if by.role is Role.PARTNER and req.status is RequestStatus.WAITING_ON_PARTNER:
        _resume(req, by=by)
    audit.record("request.message_added", obj=req)
    if by.role is Role.PARTNER:
        _notify(
            req.worker or req.routed_to,
            req,
            subject="New message from a partner",
            what="A partner has written a message on a request.",
        )
    else:
        _notify(
            req.created_by,
            req,
            subject="New message about your request",
            what="There is a new message on your request.",
        )
    db.session.flush()
    return event


def add_staff_note(req: ConsultationRequest, *, by: User, note: str, confirmed: bool) -> RequestEvent:
    """A note for staff only (management oversight, case direction): it joins the timeline marked "staff
    only", is audited, and never reaches a partner — not their page (`timeline`), nor an e-mail (none is
    sent), nor their data export (portal.accounts.personal_data exports only what they did)."""
    _ensure_staff_of(by, req)
    check_free_text(note=note, confirmed=confirmed)
    event = RequestEvent(kind=EventKind.STAFF_NOTE, actor_id=by.id, text=note.strip(), staff_only=True)
    req.events.append(event)
    db.session.flush()
    audit.record("request.staff_note_added", obj=req, event_id=event.id)
    return event


# --- promises -------------------------------------------------------------------------------------


def make_promise(req: ConsultationRequest, *, by: User, text: str, due_on: date) -> Promise:
    _ensure_staff_of(by, req)
    if req.status is RequestStatus.CLOSED:
        raise DomainError("You cannot make a promise on a closed request")
    if due_on < london_today():
        raise DomainError("The promise's date must be today or in the future")
    promise = Promise(made_by_id=by.id, locality_id=req.locality_id, text=text.strip(), due_on=due_on)
    req.promises.append(promise)
    _event(req, EventKind.PROMISE_MADE, by=by, text=f"{promise.text} (by {format_date(due_on)})")
    audit.record("promise.made", obj=req)
    _notify(
        req.created_by,
        req,
        subject="A promise about your request",
        what="A practitioner has made you a promise; it is in the portal.",
    )
    db.session.flush()
    return promise


def get_promise(req: ConsultationRequest, promise_id: int) -> Promise:
    promise = next((p for p in req.promises if p.id == promise_id), None)
    if promise is None:
        raise NotFound
    return promise


def keep_promise(promise: Promise, *, by: User) -> Promise:
    req = promise.request
    _ensure_staff_of(by, req)
    if promise.kept_at is not None:
        raise DomainError("This promise is already marked as kept")
    promise.kept_at = utcnow()
    _event(req, EventKind.PROMISE_KEPT, by=by, text=promise.text)
    audit.record("promise.kept", obj=req, promise_id=promise.id, late=promise.due_on < london_today())
    db.session.flush()
    return promise


# --- escalation -----------------------------------------------------------------------------------


def escalate(req: ConsultationRequest, *, by: User, kind: EscalationKind, text: str, confirmed: bool) -> Escalation:
    """A partner asks to speak to a manager, or says they disagree with the outcome. Both reach the manager."""
    _ensure_partner_of(by, req)
    if kind is EscalationKind.DISAGREEMENT and req.status is not RequestStatus.CLOSED:
        raise DomainError("You can disagree with the outcome once the request is closed")
    check_free_text(text=text, confirmed=confirmed)
    escalation = Escalation(
        kind=kind,
        raised_by_id=by.id,
        text=text.strip(),
        due_on=due_at(utcnow(), req.locality.sla_escalation_days),
    )
    req.escalations.append(escalation)
    _event(
        req,
        EventKind.ESCALATED if kind is EscalationKind.SPEAK_TO_MANAGER else EventKind.DISAGREED,
        by=by,
        text=text.strip(),
    )
    audit.record("request.escalated", obj=req, kind=kind.value)
    _notify(
        _manager_answering(req, on=london_today()),
        req,
        subject=kind.label,
        what=f"A partner needs a response from a manager on this request by {format_date(escalation.due_on)}.",
    )
    db.session.flush()
    return escalation


def _manager_answering(req: ConsultationRequest, *, on: date) -> User | None:
    """The locality's manager, or who covers for them on `on` while they are away."""
    manager = req.locality.manager
    return who_is_in(manager, on=on, fallback=manager)[0] if manager is not None else None


def heads_of_service() -> list[User]:
    """The managers admins have marked as the head of service: the second stage of an escalation."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.is_head_of_service.is_(True), User.role == Role.MANAGER, User.disabled_at.is_(None))
            .order_by(User.name)
        )
    )


def get_escalation(req: ConsultationRequest, escalation_id: int) -> Escalation:
    escalation = next((e for e in req.escalations if e.id == escalation_id), None)
    if escalation is None:
        raise NotFound
    return escalation


def may_respond(user: User, escalation: Escalation, *, today: date | None = None) -> bool:
    """Who may answer a partner waiting for a manager: a manager who may see the request (its locality's
    managers; at the second stage the head of service too), or, while the locality's manager is away, whoever
    answers for them today (the cover chain: the same person the escalation was told to)."""
    if user.role is Role.MANAGER:
        return True
    if user.role is not Role.PRACTITIONER:
        return False
    answering = _manager_answering(escalation.request, on=today or london_today())
    return answering is not None and answering.id == user.id


def respond_to_escalation(escalation: Escalation, *, by: User, response: str) -> Escalation:
    """A manager (or, at the second stage, the head of service, or whoever covers the locality's manager
    today) answers: the answer closes the stage."""
    req = escalation.request
    _ensure_staff_of(by, req)
    if not may_respond(by, escalation):
        raise Forbidden
    if escalation.responded_at is not None:
        raise DomainError("A manager has already responded")
    escalation.responded_by_id = by.id
    escalation.responded_at = utcnow()
    escalation.response = response.strip()
    _event(req, EventKind.MANAGER_RESPONDED, by=by, text=escalation.response)
    # Answered by who covers the manager (not a manager themself): the audit names whom they covered.
    covering = {"covering_for": req.locality.manager_id} if by.role is not Role.MANAGER else {}
    audit.record("escalation.responded", obj=req, escalation_id=escalation.id, stage=escalation.stage, **covering)
    _notify(
        escalation.raised_by, req, subject="A manager has responded", what="A manager has answered you on this request."
    )
    db.session.flush()
    return escalation


# --- clocks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    label: str
    due: date
    done: date | None
    paused: bool
    # A "today" request's moment in working hours: overdue from then, not only from the next day.
    due_time: datetime | None = None
    done_time: datetime | None = None

    def _late(self, today: date) -> bool:
        if self.due_time is not None:
            return (self.done_time or utcnow()) > self.due_time
        return (self.done or today) > self.due

    def state(self, today: date) -> str:
        if self.done is not None:
            return "Done late" if self._late(today) else "Done on time"
        if self.paused:
            return "Paused"
        return "Overdue" if self._late(today) else "On time"

    def is_overdue(self, today: date) -> bool:
        return self.done is None and not self.paused and self._late(today)


def clocks(req: ConsultationRequest) -> list[Clock]:
    paused = req.status is RequestStatus.WAITING_ON_PARTNER
    consulted = req.consultation_at if req.consultation_at and req.consultation_at <= utcnow() else None
    if consulted is None and req.closed_at is not None:
        consulted = req.closed_at
    return [
        Clock(
            "Acknowledge",
            req.acknowledge_due,
            london_date(req.acknowledged_at) if req.acknowledged_at else None,
            paused,
            due_time=req.respond_by_at,
            done_time=req.acknowledged_at,
        ),
        Clock("Consult", req.consult_due, london_date(consulted) if consulted else None, paused),
        Clock("Share the outcome", req.outcome_due, london_date(req.closed_at) if req.closed_at else None, paused),
    ]


# --- lists ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestList:
    requests: list[ConsultationRequest]
    overdue_ids: set[int]
    total: int
    page: int
    pages: int
    escalated_ids: set[int] = field(default_factory=set)  # a partner waits for a manager's response


def list_requests(
    user: User,
    *,
    page: int = 1,
    show_closed: bool = False,
    filters: RequestFilters | None = None,
    today: date | None = None,
) -> RequestList:
    """A partner's organisation's requests, newest first; staff's queue: overdue first, then by urgency, then
    new, then by due time. `filters` (portal.requests.filters) narrows it; by default the open requests (and
    closed ones too with `show_closed`)."""
    today = today or london_today()
    r = ConsultationRequest
    filters = filters or request_filters.RequestFilters()
    if show_closed and not filters.shows_closed:
        filters = replace(filters, statuses=(*filters.statuses, RequestStatus.CLOSED))
    overdue = overdue_condition(today)
    answering = access.answering_for_ids(user, on=today) if user.role is not Role.PARTNER else []
    # The status is an IN over the chosen statuses, not "!= closed": the indexes can use IN, so the queue
    # reads the open work only, however long the locality's history (bench/requests_queue.py).
    query = visible_to(user, select(r)).where(
        *request_filters.conditions(filters, user=user, today=today, overdue=overdue, answering_for=answering)
    )
    closed = r.status == RequestStatus.CLOSED
    if user.role is Role.PARTNER:
        query = query.order_by(r.received_at.desc(), r.id.desc())
    else:
        # Overdue, then by urgency (today, within a working day, routine), new before the rest, then by due
        # time: a "today" request's moment, then the dates; closed requests last, newest first.
        urgency_rank = case(*((r.urgency == u, u.rank) for u in Urgency), else_=len(Urgency))
        query = query.order_by(
            case((closed, 3), (overdue, 0), else_=1),
            case((closed, None), else_=urgency_rank),
            case((closed, None), (overdue, 0), (r.status == RequestStatus.SUBMITTED, 0), else_=1),
            case((closed, None), else_=r.respond_by_at).asc().nulls_last(),
            case((closed, None), else_=r.outcome_due),
            r.closed_at.desc(),
            r.id,
        )
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // QUEUE_PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = list(
        db.session.scalars(
            # Only what the list and its clocks read: building 50 whole requests, schools and users was half
            # the queue's time (bench/throughput.py). Nothing else reads these objects in the request.
            query.options(
                load_only(*QUEUE_COLUMNS),
                selectinload(r.organisation).load_only(Organisation.name),
                joinedload(r.worker).load_only(User.name),  # a join: the same statements whoever works them
            )
            .offset((page - 1) * QUEUE_PAGE_SIZE)
            .limit(QUEUE_PAGE_SIZE)
        )
    )
    overdue_ids = {req.id for req in rows if any(c.is_overdue(today) for c in clocks(req))}
    escalated_ids = (
        set(
            db.session.scalars(
                select(Escalation.request_id).where(
                    Escalation.request_id.in_([req.id for req in rows]), Escalation.responded_at.is_(None)
                )
            )
        )
        if rows
        else set()
    )
    return RequestList(rows, overdue_ids, total, page, pages, escalated_ids)


@dataclass(frozen=True)
class RequestView:
    """What a request page shows: the request, its timeline as the viewer may read it, and who answers
    for it today."""

    request: ConsultationRequest
    clocks: list[Clock]
    contact: User | None  # the worker, or who covers today
    contact_is_cover: bool
    today: date
    # The last time it passed to another worker (who holds it now, and why), when it has.
    reassigned: RequestEvent | None = None
    may_reassign: bool = False
    timeline: list[RequestEvent] = field(default_factory=list)
    # The escalations the viewer may answer (a manager, or who covers the locality's manager today).
    may_respond_ids: frozenset[int] = frozenset()


def request_view(req: ConsultationRequest, *, user: User) -> RequestView:
    today = london_today()
    owner = req.worker or req.routed_to
    contact = owner
    if owner is not None:
        contact, _ = who_is_in(owner, on=today, fallback=req.locality.manager)
    reassigned = next((e for e in reversed(req.events) if e.kind is EventKind.REASSIGNED), None)
    unanswered = [e for e in req.escalations if e.responded_at is None]
    return RequestView(
        req,
        clocks(req),
        contact,
        contact is not None and owner is not None and contact.id != owner.id,
        today,
        reassigned,
        may_reassign(user, req, today=today),
        timeline(req, user=user),
        # Who may answer depends on the request, not on which of its escalations: asked once.
        frozenset(e.id for e in unanswered)
        if unanswered and may_respond(user, unanswered[0], today=today)
        else frozenset(),
    )


def load_for_page(request_id: int, *, user: User) -> ConsultationRequest:
    """The request with everything its page shows, in a fixed number of queries."""
    query = visible_to(user, select(ConsultationRequest).where(ConsultationRequest.id == request_id)).options(
        selectinload(ConsultationRequest.events).selectinload(RequestEvent.actor),
        selectinload(ConsultationRequest.promises).selectinload(Promise.made_by),
        selectinload(ConsultationRequest.escalations).selectinload(Escalation.responded_by),
        selectinload(ConsultationRequest.organisation),
        selectinload(ConsultationRequest.locality).selectinload(Locality.manager),
        selectinload(ConsultationRequest.worker),
        selectinload(ConsultationRequest.routed_to),
        selectinload(ConsultationRequest.created_by),
        selectinload(ConsultationRequest.need_level),
    )
    req = db.session.scalar(query)
    if req is None:
        raise NotFound
    return req


# --- reminders and overdue notices (run by `flask requests remind`) --------------------------------


def send_promise_reminders(*, today: date | None = None) -> int:
    """Remind practitioners the working day before a promise is due (or on the day, if that was missed)."""
    today = today or london_today()
    tomorrow = add_working_days(today, 1)
    due = list(
        db.session.scalars(
            select(Promise)
            .where(
                Promise.kept_at.is_(None),
                Promise.reminder_sent_at.is_(None),
                Promise.due_on <= tomorrow,
                Promise.due_on >= today,
            )
            .options(selectinload(Promise.request), selectinload(Promise.made_by))
        )
    )
    for promise in due:
        promise.reminder_sent_at = utcnow()
        _notify(
            promise.made_by,
            promise.request,
            subject="Reminder: a promise is due",
            what="A promise you made to a partner is due soon.",
        )
    db.session.flush()
    return len(due)


def notify_overdue_escalations(*, today: date | None = None) -> int:
    """Move on the escalations and disagreements left unanswered past their due date: the first stage
    (the locality's manager) goes to the head of service, with a new due date, and the manager — or who
    covers for them today while they are away — is told too; the partner sees the stage and the date. A
    second stage past its due date is told to the head of service and the manager again, once."""
    today = today or london_today()
    unanswered = list(
        db.session.scalars(
            select(Escalation)
            .where(
                Escalation.responded_at.is_(None),
                Escalation.due_on < today,
                or_(Escalation.stage < EscalationStage.HEAD_OF_SERVICE, Escalation.overdue_notified_at.is_(None)),
            )
            .options(
                selectinload(Escalation.request)
                .selectinload(ConsultationRequest.locality)
                .selectinload(Locality.manager)
            )
            .order_by(Escalation.id)
            .limit(1000)
        )
    )
    heads = heads_of_service() if unanswered else []
    for escalation in unanswered:
        req = escalation.request
        was_due = escalation.due_on
        told = {u.id: u for u in (*heads, _manager_answering(req, on=today)) if u is not None}
        if escalation.stage < EscalationStage.HEAD_OF_SERVICE:
            escalation.stage = EscalationStage.HEAD_OF_SERVICE
            escalation.moved_on_at = utcnow()
            escalation.due_on = due_at(utcnow(), req.locality.sla_escalation_days)
            _event(
                req,
                EventKind.ESCALATION_MOVED_ON,
                by=None,
                text=f"No manager responded by {format_date(was_due)}, so this has been passed to the head of"
                f" service, who will respond by {format_date(escalation.due_on)}.",
            )
            audit.record("escalation.moved_on", obj=req, escalation_id=escalation.id, stage=escalation.stage)
            for person in told.values():
                _notify(
                    person,
                    req,
                    subject="Passed to the head of service: a partner is waiting",
                    what=f"A partner has waited since {format_date(escalation.raised_at)} for a manager's response "
                    f"on this request; it was due by {format_date(was_due)}. It is now with the head of service, "
                    f"due by {format_date(escalation.due_on)}.",
                )
            _notify(
                escalation.raised_by,
                req,
                subject="Passed to the head of service",
                what="A manager did not respond in time, so the head of service will respond to you.",
            )
        else:
            escalation.overdue_notified_at = utcnow()
            audit.record("escalation.overdue_notified", obj=req, escalation_id=escalation.id)
            for person in told.values():
                _notify(
                    person,
                    req,
                    subject="Overdue: a partner is waiting for the head of service",
                    what=f"A partner has waited since {format_date(escalation.raised_at)} for a response on this "
                    f"request; the head of service's response was due by {format_date(was_due)}.",
                )
    db.session.flush()
    return len(unanswered)


def notify_overdue(*, today: date | None = None) -> int:
    """Tell the worker (or who it was sent to, or who covers for them today) and the locality manager, once,
    when a request becomes overdue."""
    today = today or london_today()
    overdue = list(
        db.session.scalars(
            select(ConsultationRequest)
            .where(overdue_condition(today), ConsultationRequest.overdue_notified_at.is_(None))
            .options(selectinload(ConsultationRequest.locality).selectinload(Locality.manager))
            .limit(1000)
        )
    )
    for req in overdue:
        req.overdue_notified_at = utcnow()
        what = "This request is past one of its service levels."
        manager = req.locality.manager
        owner = req.worker or req.routed_to
        # An absent worker's notice goes to whoever covers for them today.
        answering = who_is_in(owner, on=today, fallback=manager)[0] if owner is not None else None
        _notify(answering, req, subject="Request overdue", what=what)
        if manager is not None and manager is not answering:
            _notify(manager, req, subject="Request overdue", what=what)
        audit.record("request.overdue_notified", obj=req)
    db.session.flush()
    return len(overdue)
