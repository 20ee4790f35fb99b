"""Demo requests for `make run`: invented, on example.org, loaded after the directory, the sessions and the
meetings, and before the feedback (see seeds/demo.py), so that the pulse answers find the closed ones.

Seventeen requests over the last nine months from schools and agencies of the four demo localities (one of them
passed to another worker with a reason, as reassignment does), in every
state: two submitted (one overdue), two acknowledged with what happens next, two with a consultation arranged,
one waiting on the partner (its clock paused), and ten closed with every kind of outcome between them, each with
a summary the partner reads. Promises kept on time, kept late, missed and still open; a request to speak to a
manager (not yet answered, for manager@example.org) and another answered; a disagreement with an outcome,
answered; messages; and two pod invites for Castle Rock High School (partner@example.org) and the school nurse: one that
took place, with its attendance recorded, and one still to come that partner@example.org has not answered.
A child is identified only by initials and year of birth, or by a case reference.

Every date is relative to today (London), in working days, so the demo looks the same whenever it is loaded.
The request services stamp the current time and queue e-mails (whose links need a web request), so the past
is built here row by row, as bench/requests_queue.py builds it, with each service's rules kept (the same
states, events, due dates and texts) and the dashboards' step timings recorded by the services' own
portal.requests.timings functions at the moment each step is done. The scheduled jobs' marks (overdue
notices, promise reminders) are set when those jobs would have run, so starting the worker sends nothing old.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.common.identifiers import check_free_text
from portal.common.roles import Role
from portal.common.times import LONDON, format_date
from portal.common.working_days import add_working_days, is_working_day
from portal.directory.models import Locality, Organisation
from portal.extensions import db
from portal.models_base import utcnow
from portal.requests import invites, timings
from portal.requests.models import (
    ConsultationMethod,
    ConsultationRequest,
    Escalation,
    EscalationKind,
    EventKind,
    InviteResponse,
    Outcome,
    PodInvite,
    PodInvitee,
    Promise,
    RequestEvent,
    RequestKind,
    RequestPause,
    RequestStatus,
    Urgency,
)
from portal.requests.services import asked_before, due_dates

# Invented partners of agencies and a school that the other demo files leave without one:
# (name, e-mail local part, job title, organisation).
PARTNERS = [
    ("Ines Calloway", "ines.calloway", "School nurse", "Shire Community Health – School Nursing"),
    ("Rhys Morland", "rhys.morland", "Detective constable", "Shire Police – Child Abuse Investigation Unit"),
    ("Gemma Thorne", "gemma.thorne", "SENCO", "Loughborough Sacred Heart"),
]
# The scheduled jobs run every few minutes (JOBS_INTERVAL_SECONDS): their first run on a day is just after midnight.
JOB_RUN = time(0, 5)


class _Clock:
    """Moments relative to today in London: `ago(n, "10:05")` is 10:05 on the n-th working day before today,
    `ahead(n, "14:00")` on the n-th working day after it, `after(moment, n, "09:30")` n working days later."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.today = now.astimezone(LONDON).date()

    @staticmethod
    def on(day: date, hh_mm: str) -> datetime:
        hour, minute = (int(part) for part in hh_mm.split(":"))
        return datetime.combine(day, time(hour, minute), tzinfo=LONDON)

    def day_ago(self, n: int) -> date:
        day = self.today
        while n:
            day -= timedelta(days=1)
            n -= is_working_day(day)
        return day

    def ago(self, n: int, hh_mm: str) -> datetime:
        return self.on(self.day_ago(n), hh_mm)

    def ahead(self, n: int, hh_mm: str) -> datetime:
        return self.on(add_working_days(self.today, n), hh_mm)

    def after(self, moment: datetime, n: int, hh_mm: str) -> datetime:
        return self.on(add_working_days(moment.astimezone(LONDON).date(), n), hh_mm)


@dataclass
class _Story:
    """One request told in order, each step as its service would have recorded it (portal.requests.services
    and portal.requests.invites): the same rules, fields, timeline events and measures, at past moments."""

    req: ConsultationRequest
    now: datetime
    last: datetime
    invites: list[PodInvite] = field(default_factory=list)

    def _at(self, at: datetime, *texts: str) -> datetime:
        # The timeline is read in the order of its events' ids, so the story must be told in order; and
        # every demo text passes the identifier check the services make before saving free text.
        if not self.last <= at <= self.now:
            raise ValueError(f"{self.req.summary[:30]!r}: {at} is out of order or in the future")
        for text in texts:
            check_free_text(text=text, confirmed=False)
        self.last = at
        return at

    def _event(self, at: datetime, kind: EventKind, by: User | None, text: str = "") -> None:
        self.req.events.append(RequestEvent(at=at, kind=kind, actor_id=by.id if by else None, text=text))

    def acknowledge(self, at: datetime, *, by: User, worker: User, next_step: str, expected_by: date) -> _Story:
        self._at(at, next_step)
        req = self.req
        assert req.status is RequestStatus.SUBMITTED and expected_by >= at.astimezone(LONDON).date()  # noqa: S101
        req.status = RequestStatus.ACKNOWLEDGED
        req.worker_id = worker.id
        req.next_step = next_step
        req.expected_by = expected_by
        req.acknowledged_at = at
        timings.record_acknowledged(req)
        self._event(at, EventKind.ACKNOWLEDGED, by, next_step)
        return self

    def schedule(
        self, at: datetime, *, by: User, when: datetime, method: ConsultationMethod, details: str = ""
    ) -> _Story:
        self._at(at, details)
        req = self.req
        assert req.status in (RequestStatus.ACKNOWLEDGED, RequestStatus.SCHEDULED) and when > at  # noqa: S101
        req.status = RequestStatus.SCHEDULED
        req.consultation_at = when
        req.consultation_method = method
        req.consultation_details = details
        req.scheduled_at = req.scheduled_at or at
        self._event(at, EventKind.SCHEDULED, by, f"{method.label}. {details}".strip())
        return self

    def message(self, at: datetime, *, by: User, text: str) -> _Story:
        self._at(at, text)
        # A partner's message ends a wait (services.add_message): the demo's waiting request has none after it.
        assert not (by.role is Role.PARTNER and self.req.status is RequestStatus.WAITING_ON_PARTNER)  # noqa: S101
        self._event(at, EventKind.MESSAGE, by, text)
        return self

    def promise(self, at: datetime, *, by: User, text: str, due_on: date) -> Promise:
        self._at(at, text)
        assert self.req.is_open and due_on >= at.astimezone(LONDON).date()  # noqa: S101
        promise = Promise(made_by_id=by.id, locality_id=self.req.locality_id, text=text, due_on=due_on, created_at=at)
        self.req.promises.append(promise)
        self._event(at, EventKind.PROMISE_MADE, by, f"{text} (by {format_date(due_on)})")
        return promise

    def keep(self, promise: Promise, at: datetime, *, by: User) -> _Story:
        self._at(at)
        promise.kept_at = at
        self._event(at, EventKind.PROMISE_KEPT, by, promise.text)
        return self

    def reassign(self, at: datetime, *, by: User, worker: User, reason: str) -> _Story:
        self._at(at, reason)
        req = self.req
        assert req.is_open and worker.id != (req.worker_id or req.routed_to_id)  # noqa: S101
        if req.worker_id is not None:
            req.worker_id = worker.id
        else:
            req.routed_to_id = worker.id
        req.worker_changes += 1
        self._event(at, EventKind.REASSIGNED, by, reason)
        return self

    def wait(self, at: datetime, *, by: User, reason: str) -> _Story:
        self._at(at, reason)
        req = self.req
        assert req.status in (RequestStatus.ACKNOWLEDGED, RequestStatus.SCHEDULED)  # noqa: S101
        req.status = RequestStatus.WAITING_ON_PARTNER
        req.paused_since = at
        req.pauses.append(RequestPause(started_at=at, reason=reason))
        self._event(at, EventKind.WAITING, by, reason)
        return self

    def note(self, at: datetime, *, by: User, text: str) -> _Story:
        """A staff-only note (services.add_staff_note): partners never see it."""
        self._at(at, text)
        self.req.events.append(
            RequestEvent(at=at, kind=EventKind.STAFF_NOTE, actor_id=by.id, text=text, staff_only=True)
        )
        return self

    def close(self, at: datetime, *, by: User, outcome: Outcome, summary: str, need_level: int | None = None) -> _Story:
        """`need_level`: the position on the locality's list of the level of need advised."""
        self._at(at, summary)
        req = self.req
        if need_level is not None:
            req.need_level_id = next(lv.id for lv in req.locality.need_levels if lv.position == need_level)
        # No demo request closes while it waits: closing then would first restart the clocks (services._resume).
        assert req.status in (RequestStatus.ACKNOWLEDGED, RequestStatus.SCHEDULED)  # noqa: S101
        req.status = RequestStatus.CLOSED
        req.outcome = outcome
        req.outcome_summary = summary
        req.closed_at = at
        timings.record_closed(req)
        advised = f" Level of need advised: {req.need_level.name}." if req.need_level is not None else ""
        self._event(at, EventKind.CLOSED, by, f"{outcome.label}.{advised} {summary}")
        return self

    def escalate(self, at: datetime, *, by: User, kind: EscalationKind, text: str) -> Escalation:
        self._at(at, text)
        assert kind is not EscalationKind.DISAGREEMENT or self.req.status is RequestStatus.CLOSED  # noqa: S101
        escalation = Escalation(kind=kind, raised_by_id=by.id, raised_at=at, text=text)
        self.req.escalations.append(escalation)
        kinds = {EscalationKind.SPEAK_TO_MANAGER: EventKind.ESCALATED, EscalationKind.DISAGREEMENT: EventKind.DISAGREED}
        self._event(at, kinds[kind], by, text)
        return escalation

    def respond(self, escalation: Escalation, at: datetime, *, by: User, response: str) -> _Story:
        self._at(at, response)
        assert by.role is Role.MANAGER  # noqa: S101
        escalation.responded_by_id = by.id
        escalation.responded_at = at
        escalation.response = response
        self._event(at, EventKind.MANAGER_RESPONDED, by, response)
        return self

    def pod_invite(
        self,
        at: datetime,
        *,
        by: User,
        starts_at: datetime,
        ends_at: datetime,
        location: str = "",
        online_link: str = "",
        invitees: list[User],
    ) -> PodInvite:
        self._at(at, location)
        req = self.req
        # invites' own helpers, so the pod and the timeline's text are those send_pod_invite records.
        invite = PodInvite(
            request_id=req.id,
            pod_id=invites._pod_of(by, req),
            organiser_id=by.id,
            starts_at=starts_at,
            ends_at=ends_at,
            location=location,
            online_link=online_link,
            sequence=0,
            created_at=at,
            updated_at=at,
        )
        invite.request, invite.organiser = req, by
        invite.invitees = [PodInvitee(user_id=user.id, user=user) for user in invitees]
        db.session.add(invite)
        self._event(at, EventKind.POD_INVITE_SENT, by, invites._event_text(invite))
        self.invites.append(invite)
        return invite

    def answer(self, invite: PodInvite, at: datetime, *, by: User, response: InviteResponse) -> _Story:
        self._at(at)
        assert at < invite.starts_at  # noqa: S101 (answers are taken until the meeting starts)
        invitee = next(i for i in invite.invitees if i.user_id == by.id)
        invitee.response, invitee.responded_at = response, at
        invite.updated_at = at
        return self

    def record_attendance(self, invite: PodInvite, at: datetime, *, attended: list[User]) -> _Story:
        self._at(at)
        assert at >= invite.starts_at  # noqa: S101
        for invitee in invite.invitees:
            invitee.attended = invitee.user_id in {user.id for user in attended}
        invite.attendance_recorded_at = invite.updated_at = at
        return self

    def done(self) -> ConsultationRequest:
        req = self.req
        req.overdue_notified_at = _overdue_noticed_at(req, self.now)
        for promise in req.promises:
            promise.reminder_sent_at = _reminded_at(promise, self.now)
        req.updated_at = self.last
        db.session.flush()
        return req


def _first_job_run(day: date, *, not_before: datetime) -> datetime:
    return max(datetime.combine(day, JOB_RUN, tzinfo=LONDON), not_before + timedelta(minutes=5))


def _overdue_noticed_at(req: ConsultationRequest, now: datetime) -> datetime | None:
    """When services.notify_overdue first found the request overdue (its condition, _overdue_condition, is
    checked by the job after midnight): the day after a due date whose step was not done by then, while the
    request was open and not waiting on the partner."""
    consulted = req.consultation_at if req.consultation_at is not None and req.consultation_at <= now else None
    clocks = [
        (req.acknowledge_due, req.acknowledged_at),
        (req.consult_due, consulted),
        (req.outcome_due, req.closed_at),
    ]
    runs = []
    for due, done in clocks:
        run = _first_job_run(due + timedelta(days=1), not_before=req.received_at)
        if (done is None or done > run) and run <= now:
            runs.append(run)
    for run in sorted(runs):
        open_then = req.closed_at is None or run < req.closed_at
        if open_then and (req.paused_since is None or run < req.paused_since):
            return run
    return None


def _reminded_at(promise: Promise, now: datetime) -> datetime | None:
    """When services.send_promise_reminders reminded its maker: the first run of the job on a day whose next
    working day is the due date or later (the due date at the latest), unless it was kept before then."""
    day = promise.due_on
    made = promise.created_at.astimezone(LONDON).date()
    while day > made and add_working_days(day - timedelta(days=1), 1) >= promise.due_on:
        day -= timedelta(days=1)
    run = _first_job_run(day, not_before=promise.created_at)
    if run > now or (promise.kept_at is not None and promise.kept_at <= run):
        return None
    return run


def _by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        raise LookupError(f"the demo directory has no {email}")
    return user


def _by_name(name: str) -> User:
    user = db.session.scalar(select(User).where(User.name == name))
    if user is None:
        raise LookupError(f"the demo directory has no {name}")
    return user


def _organisation(name: str) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        raise LookupError(f"the demo directory has no {name!r}")
    return org


def _ask(
    now: datetime,
    received: datetime,
    *,
    by: User,
    kind: RequestKind,
    summary: str,
    help_wanted: str = "",
    initials: str = "",
    born: int | None = None,
    case_reference: str = "",
    urgency: Urgency = Urgency.ROUTINE,
) -> _Story:
    """services.submit_request at `received`: to the locality of the partner's organisation and the school's
    own lead, else the duty lead (no demo lead is away), with due dates from the locality's service levels for
    its urgency and the repeat-request flag the service sets."""
    org = by.organisation
    assert org is not None and org.locality is not None  # noqa: S101
    locality: Locality = org.locality
    req = ConsultationRequest(
        kind=kind,
        organisation_id=org.id,
        locality_id=locality.id,
        created_by_id=by.id,
        routed_to_id=org.lead_id or locality.lead_id or locality.manager_id,
        child_initials="" if case_reference else initials,
        child_birth_year=None if case_reference else born,
        case_reference=case_reference,
        summary=summary,
        help_wanted=help_wanted,
        received_at=received,
        created_at=received,
        urgency=urgency,
        **due_dates(locality, received=received, urgency=urgency),
    )
    req.is_repeat = asked_before(req)
    db.session.add(req)
    story = _Story(req, now, received)
    story._at(received, summary, help_wanted)
    story._event(received, EventKind.SUBMITTED, by)
    db.session.flush()  # the request has its id (pod invites and step timings need it)
    return story


def load() -> None:
    """Add the demo requests. Called once, inside load_demo's transaction, after the people and schools exist."""
    from seeds.demo import _demo_password_hash

    for name, local, job_title, org_name in PARTNERS:
        org = _organisation(org_name)
        db.session.add(
            User(
                name=name,
                email=f"{local}@example.org",
                role=Role.PARTNER,
                job_title=job_title,
                password_hash=_demo_password_hash(),
                organisation=org,
                locality_id=org.locality_id,
            )
        )
    db.session.flush()

    now = utcnow()
    c = _Clock(now)
    pat, noor, rowan, priya, tom = (
        _by_email(f"{local}@example.org")
        for local in ("partner", "noor.sadiq", "rowan.hale", "priya.nair", "tom.becker")
    )
    ines, rhys, gemma = (_by_email(f"{local}@example.org") for _, local, _, _ in PARTNERS)
    amara, kit, lena = (_by_name(n) for n in ("Amara Okafor", "Kit Adeyemi", "Lena Marsh-Tully"))
    dev, zara, aled, joanna = (_by_name(n) for n in ("Dev Sandhu", "Zara Holt", "Aled Price", "Joanna Keele"))
    chloe, una, isaac = (_by_name(n) for n in ("Chloe Marsh", "Una Byrne", "Isaac Fenwick"))
    ben, quinn = _by_name("Ben Hartley"), _by_name("Quinn Ashdown")
    consultation, query, pod = RequestKind.CONSULTATION, RequestKind.QUERY, RequestKind.POD_INVITE
    phone, video, in_person = ConsultationMethod.PHONE, ConsultationMethod.VIDEO, ConsultationMethod.IN_PERSON

    # --- closed, oldest first ----------------------------------------------------------------------------

    # Loughborough Sacred Heart, nine months ago: no further action.
    received = c.ago(185, "09:40")
    s = _ask(
        now,
        received,
        by=gemma,
        kind=consultation,
        initials="AM",
        born=2016,
        summary="A parent told the class teacher that the family has been struggling since a bereavement, and "
        "the child has been withdrawn in class for several weeks.",
        help_wanted="Advice on whether this needs more than the school's own support.",
    )
    s.acknowledge(
        c.after(received, 0, "14:10"),
        by=ben,
        worker=quinn,
        next_step="A social worker will call you to talk it through. We will check whether the family is "
        "already known to us.",
        expected_by=add_working_days(received.date(), 3),
    )
    s.schedule(
        c.after(received, 1, "09:15"),
        by=quinn,
        when=c.after(received, 2, "13:30"),
        method=phone,
        details="We will ring the school office and ask for you.",
    )
    s.message(
        c.after(received, 2, "15:10"),
        by=quinn,
        text="Thank you for the call. As agreed, the bereavement charity's schools service is expecting your referral.",
    )
    s.close(
        c.after(received, 2, "16:00"),
        by=quinn,
        outcome=Outcome.NO_FURTHER_ACTION,
        summary="We talked it through. The family is not known to us and the school's plan is the right "
        "response: a weekly check-in with the class teacher and the bereavement charity's schools service. "
        "Get in touch again if anything changes.",
    ).done()

    # Castle Rock High School, eight months ago: advice given; a promise kept on time.
    received = c.ago(170, "08:50")
    s = _ask(
        now,
        received,
        by=pat,
        kind=consultation,
        initials="JT",
        born=2011,
        summary="Attendance has fallen to 78% this term and the student has told their tutor that things are "
        "difficult at home since a parent moved out.",
        help_wanted="A consultation to decide whether early help is right, or whether we should do more.",
    )
    s.acknowledge(
        c.after(received, 0, "13:20"),
        by=dev,
        worker=dev,
        next_step="I will call you tomorrow morning to arrange a consultation, and check what is already known "
        "about the family.",
        expected_by=add_working_days(received.date(), 5),
    )
    guidance = s.promise(
        c.after(received, 0, "13:22"),
        by=dev,
        text="Send the early help assessment guidance",
        due_on=add_working_days(received.date(), 2),
    )
    s.schedule(
        c.after(received, 1, "09:30"),
        by=dev,
        when=c.after(received, 3, "10:00"),
        method=video,
        details="A video link will be sent to your school email address.",
    )
    s.keep(guidance, c.after(received, 1, "11:00"), by=dev)
    s.message(
        c.after(received, 1, "11:02"),
        by=dev,
        text="As promised, the early help assessment guidance is in your inbox. Please have the "
        "attendance record to hand for the call.",
    )
    s.message(c.after(received, 2, "08:40"), by=pat, text="Thank you. The head of year will join the call too.")
    s.close(
        c.after(received, 3, "11:15"),
        by=dev,
        outcome=Outcome.ADVICE_GIVEN,
        summary="We talked it through. The school will start an early help assessment with the family this "
        "week, with the attendance officer. We agreed to review it at half term. If the student tells you "
        "about any harm, call the Front Door the same day.",
    ).done()

    # Hall Orchard, seven months ago: a query, signposted; a promise kept on time.
    received = c.ago(160, "11:20")
    s = _ask(
        now,
        received,
        by=tom,
        kind=query,
        initials="RB",
        born=2018,
        summary="A parent has asked the school where to get help with sleep and behaviour at home. The school "
        "has no worries about the child's safety.",
        help_wanted="Where to point the family.",
    )
    s.acknowledge(
        c.after(received, 0, "15:05"),
        by=amara,
        worker=amara,
        next_step="I will look at what the family hub offers near you and reply with the details.",
        expected_by=add_working_days(received.date(), 3),
    )
    course = s.promise(
        c.after(received, 0, "15:06"),
        by=amara,
        text="Send the family hub's parenting course dates",
        due_on=add_working_days(received.date(), 2),
    )
    s.keep(course, c.after(received, 1, "10:30"), by=amara)
    s.message(
        c.after(received, 1, "10:31"),
        by=amara,
        text="The family hub runs a sleep and routines course on Tuesday mornings; the booking line is on "
        "the hub's page.",
    )
    s.close(
        c.after(received, 1, "10:45"),
        by=amara,
        outcome=Outcome.SIGNPOSTED,
        summary="Signposted to the family hub's sleep and routines course and the school nurse's drop-in. "
        "Social care does not need to be involved; the school can pass the details to the parent.",
    ).done()

    # North West Leicestershire, six months ago: the partner asked for a manager, who answered; step down.
    received = c.ago(125, "09:30")
    s = _ask(
        now,
        received,
        by=noor,
        kind=consultation,
        initials="EW",
        born=2017,
        summary="The child often arrives hungry and in the same clothes for several days. The family moved into "
        "the area this term.",
        help_wanted="Advice on early help in the area.",
    )
    s.acknowledge(
        c.after(received, 1, "15:40"),
        by=chloe,
        worker=una,
        next_step="A social worker will call you to arrange a consultation, and will ask the family's previous "
        "council what it knows.",
        expected_by=add_working_days(received.date(), 5),
    )
    ask = s.escalate(
        c.after(received, 4, "09:00"),
        by=noor,
        kind=EscalationKind.SPEAK_TO_MANAGER,
        text="We have not heard anything since the acknowledgement and the worries are growing. "
        "Could a manager call us today?",
    )
    s.respond(
        ask,
        c.after(received, 4, "11:30"),
        by=isaac,
        response="I am sorry for the wait. The social worker was unwell; the consultation is now booked "
        "for tomorrow morning and I will join it myself.",
    )
    s.schedule(
        c.after(received, 4, "11:35"),
        by=isaac,
        when=c.after(received, 5, "09:30"),
        method=phone,
        details="The locality manager will join the call.",
    )
    s.close(
        c.after(received, 5, "12:00"),
        by=una,
        outcome=Outcome.STEP_DOWN_TO_EARLY_HELP,
        summary="We agreed that early help is the right support. With the family's agreement the early help "
        "team will visit next week, and the school will offer a place at breakfast club. Tell us if the "
        "worries about food and clothing carry on.",
    ).done()

    # Shire Community Health, five months ago: acknowledged late, a promise missed; referral advised.
    received = c.ago(110, "16:45")
    s = _ask(
        now,
        received,
        by=ines,
        kind=consultation,
        case_reference="CR-3048172",
        summary="The child has missed three health appointments in a row and the clinic has new worries about "
        "the child's weight. The family has an open case.",
        help_wanted="To talk through whether this should go to the allocated worker or the Front Door.",
    )
    s.reassign(
        c.after(received, 2, "09:50"),
        by=joanna,
        worker=zara,
        reason="The duty lead is on a training course this week; a social worker who knows the family's records "
        "will pick this up.",
    )
    s.acknowledge(
        c.after(received, 2, "10:20"),
        by=joanna,
        worker=zara,
        next_step="A social worker will check the family's records and call you.",
        expected_by=add_working_days(received.date(), 4),
    )
    s.promise(
        c.after(received, 2, "11:00"),
        by=zara,
        text="Call you back with what the records show",
        due_on=add_working_days(received.date(), 2),
    )
    s.schedule(c.after(received, 2, "11:05"), by=zara, when=c.after(received, 3, "14:00"), method=phone)
    s.message(
        c.after(received, 3, "09:10"),
        by=ines,
        text="I have not had the call back about the records yet. Is the consultation still this afternoon?",
    )
    s.message(
        c.after(received, 3, "09:40"),
        by=zara,
        text="Sorry for the delay. Yes: I will call as arranged and go through the records then.",
    )
    s.close(
        c.after(received, 3, "15:00"),
        by=zara,
        outcome=Outcome.REFERRAL_TO_FRONT_DOOR_ADVISED,
        summary="We went through the records together. Given the missed appointments and the clinic's new "
        "worries, please make a referral to the Front Door today with the online form, and tell the family "
        "unless that would put the child at risk. Call the Front Door if you need help with the form.",
    ).done()

    # Castle Rock High School, four months ago: no further action; a promise kept late; a disagreement.
    received = c.ago(80, "10:15")
    s = _ask(
        now,
        received,
        by=pat,
        kind=consultation,
        initials="MO",
        born=2012,
        summary="A student has told staff about arguments at home and said they would rather stay at a friend's "
        "house. They have not said anything about harm.",
        help_wanted="Advice on whether this needs a referral.",
    )
    s.acknowledge(
        c.after(received, 0, "16:20"),
        by=dev,
        worker=aled,
        next_step="A social worker will arrange a consultation in the next few days.",
        expected_by=add_working_days(received.date(), 5),
    )
    police = s.promise(
        c.after(received, 1, "09:00"),
        by=aled,
        text="Check with the police whether there have been any recent call-outs",
        due_on=add_working_days(received.date(), 2),
    )
    s.schedule(c.after(received, 1, "09:05"), by=aled, when=c.after(received, 3, "11:00"), method=phone)
    s.message(
        c.after(received, 3, "13:00"), by=pat, text="Thank you for the call. Will you let us know what the police said?"
    )
    s.keep(police, c.after(received, 4, "10:00"), by=aled)
    s.message(
        c.after(received, 4, "10:05"),
        by=aled,
        text="Sorry this took longer than I promised. The police have had no recent call-outs.",
    )
    s.close(
        c.after(received, 4, "10:30"),
        by=aled,
        outcome=Outcome.NO_FURTHER_ACTION,
        summary="From what we know there is no role for social care now. The school will keep talking with the "
        "student and the family, and will get in touch again if anything new is said.",
    )
    disagreement = s.escalate(
        c.after(received, 6, "09:20"),
        by=pat,
        kind=EscalationKind.DISAGREEMENT,
        text="We disagree with no further action. The student has since missed four days "
        "and told a friend they are scared to go home. We think this needs a referral.",
    )
    s.respond(
        disagreement,
        c.after(received, 7, "14:00"),
        by=joanna,
        response="Thank you for telling us. With what you describe now, please make a referral to the "
        "Front Door: I have told them to expect it, and the social worker will help you with it. I have "
        "also asked the team to look again at how we close consultations when things may still "
        "change.",
    )
    s.done()

    # Shire Police, three months ago: a query, advice given.
    received = c.ago(66, "10:00")
    s = _ask(
        now,
        received,
        by=rhys,
        kind=query,
        initials="LD",
        born=2014,
        summary="Officers attended a domestic incident where a child was present. We would like to know which "
        "locality team picks up our notification and whether the school has been told.",
        help_wanted="Who to contact and what happens next.",
    )
    s.acknowledge(
        c.after(received, 0, "11:30"),
        by=amara,
        worker=kit,
        next_step="A social worker will check that the notification reached the Front Door and reply by tomorrow.",
        expected_by=add_working_days(received.date(), 1),
    )
    s.message(
        c.after(received, 1, "10:15"),
        by=kit,
        text="The Front Door received the notification and screened it the same day. The school's "
        "safeguarding lead has been told in the usual way.",
    )
    s.close(
        c.after(received, 1, "10:20"),
        by=kit,
        outcome=Outcome.ADVICE_GIVEN,
        summary="Notifications go to the Front Door, which tells the school the next working day. Send future "
        "notifications in the usual way: this portal is for questions and consultations, not notifications.",
    ).done()

    # DeLisle College, two months ago: advice given after a meeting at the college; a promise kept on time.
    received = c.ago(42, "13:10")
    s = _ask(
        now,
        received,
        by=priya,
        kind=consultation,
        initials="SK",
        born=2010,
        summary="A Year 11 student's mood and attendance have changed since the summer. Staff have heard about "
        "older friends outside school and late nights.",
        help_wanted="A consultation on whether this could be exploitation, and what the college should do now.",
    )
    s.acknowledge(
        c.after(received, 1, "09:05"),
        by=amara,
        worker=lena,
        next_step="A social worker will meet you at the college this week. Please gather what staff have "
        "noticed, with dates, before the meeting.",
        expected_by=add_working_days(received.date(), 4),
    )
    s.schedule(
        c.after(received, 1, "09:10"),
        by=lena,
        when=c.after(received, 3, "15:45"),
        method=in_person,
        details="At the college, with the designated safeguarding lead and the head of year.",
    )
    tool = s.promise(
        c.after(received, 1, "09:12"),
        by=lena,
        text="Bring the exploitation screening tool to the meeting",
        due_on=add_working_days(received.date(), 3),
    )
    s.message(
        c.after(received, 2, "12:00"),
        by=priya,
        text="We have put the staff notes together. Could the college's police liaison officer join the meeting?",
    )
    s.message(c.after(received, 2, "14:30"), by=lena, text="Yes, please invite them. I will bring the screening tool.")
    s.keep(tool, c.after(received, 3, "16:50"), by=lena)
    s.close(
        c.after(received, 4, "10:00"),
        by=lena,
        outcome=Outcome.ADVICE_GIVEN,
        summary="We completed the screening tool together. The college will put a safety plan in place and "
        "share it with the family, and the police liaison officer will pass on what is known about the older "
        "friends. If anything points to exploitation, refer to the Front Door the same day.",
    ).done()

    # Castle Rock High School, six weeks ago: a pod meeting with the school nurse, which took place.
    received = c.ago(30, "09:00")
    s = _ask(
        now,
        received,
        by=pat,
        kind=pod,
        case_reference="CR-2716405",
        summary="A student with a child in need plan is missing school, and the school, the school nurse and "
        "the family support worker each hold part of the picture.",
        help_wanted="A pod meeting with health and the school to agree one plan.",
    )
    s.acknowledge(
        c.after(received, 0, "12:00"),
        by=dev,
        worker=dev,
        next_step="I will set up a pod meeting with the school, the school nurse and the pod's family "
        "intervention worker, and send you the invitation.",
        expected_by=add_working_days(received.date(), 6),
    )
    meeting = s.pod_invite(
        c.after(received, 1, "10:00"),
        by=dev,
        starts_at=c.after(received, 6, "14:00"),
        ends_at=c.after(received, 6, "15:30"),
        location="Castle Rock High School, meeting room 2",
        invitees=[pat, ines],
    )
    s.close(
        c.after(received, 1, "10:05"),
        by=dev,
        outcome=Outcome.POD_INVITE_SENT,
        summary="A pod meeting is arranged with the school, the school nurse and the pod; the invitation is in "
        "the portal. Please bring the attendance record and the latest plan.",
    )
    s.answer(meeting, c.after(received, 1, "13:00"), by=pat, response=InviteResponse.ACCEPTED)
    s.answer(meeting, c.after(received, 2, "09:00"), by=ines, response=InviteResponse.ACCEPTED)
    s.record_attendance(meeting, c.after(received, 6, "16:00"), attended=[pat, ines]).done()

    # Castle Rock High School, closed two working days ago: step down to early help. Its pulse is not
    # answered yet (demo_feedback answers those closed longer ago), so partner@example.org can answer it.
    received = c.ago(9, "10:00")
    s = _ask(
        now,
        received,
        by=pat,
        kind=consultation,
        initials="FA",
        born=2012,
        summary="A student has become very withdrawn and a parent has asked the school for help with "
        "arguments at home.",
        help_wanted="A consultation about what support the family could have.",
    )
    s.acknowledge(
        c.after(received, 0, "14:30"),
        by=dev,
        worker=aled,
        next_step="A social worker will arrange a consultation with you this week.",
        expected_by=add_working_days(received.date(), 7),
    )
    s.schedule(c.after(received, 1, "09:00"), by=aled, when=c.after(received, 3, "13:00"), method=phone)
    s.close(
        c.ago(2, "15:00"),
        by=aled,
        need_level=2,
        outcome=Outcome.STEP_DOWN_TO_EARLY_HELP,
        summary="We agreed that early help is the right support. The early help team will contact the family "
        "this week, and the school will keep up its pastoral check-ins. You will hear from the early help "
        "worker directly.",
    ).done()

    # --- open ----------------------------------------------------------------------------------------

    # Desford Primary School: waiting on the partner, its clock paused.
    received = c.ago(6, "09:15")
    s = _ask(
        now,
        received,
        by=rowan,
        kind=consultation,
        initials="NC",
        born=2018,
        summary="The child's attendance has dropped since a new partner moved in at home, and the child has "
        "told staff they do not like being at home at weekends.",
        help_wanted="A consultation about what the school should do next.",
    )
    s.acknowledge(
        c.after(received, 0, "15:00"),
        by=amara,
        worker=amara,
        next_step="I will arrange a consultation as soon as I have this term's attendance figures.",
        expected_by=add_working_days(received.date(), 8),
    )
    s.wait(
        c.ago(3, "11:00"),
        by=amara,
        reason="Please send this term's attendance figures, and tell us whether the parent knows you have "
        "asked for a consultation.",
    )
    s.done()

    # DeLisle College: acknowledged, a promise missed, and the partner has asked to speak to a manager.
    s = _ask(
        now,
        c.ago(8, "13:00"),
        by=priya,
        kind=consultation,
        initials="HS",
        born=2011,
        summary="A student has been sleeping at different relatives' houses and arrives at college without "
        "the right kit or lunch.",
        help_wanted="A consultation on whether the family needs support, and who else should be involved.",
    )
    s.acknowledge(
        c.ago(7, "10:30"),
        by=amara,
        worker=kit,
        next_step="A social worker will call you to arrange a consultation.",
        expected_by=c.day_ago(4),
    )
    s.promise(
        c.ago(7, "10:35"), by=kit, text="Call the safeguarding lead to arrange the consultation", due_on=c.day_ago(4)
    )
    s.message(
        c.ago(3, "09:30"),
        by=priya,
        text="We were expecting a call by now and have not heard anything. Is the consultation still going ahead?",
    )
    s.note(
        c.ago(3, "10:15"),
        by=amara,
        text="Management oversight: the promised call was missed while Kit was on a course. Kit to call the "
        "college today; I will check the consultation is booked by Friday.",
    )
    s.escalate(
        c.ago(1, "16:40"),
        by=priya,
        kind=EscalationKind.SPEAK_TO_MANAGER,
        text="We have waited over a week for the call we were promised, and nothing has changed for the "
        "student. Could a manager help?",
    )
    s.done()

    # North West Leicestershire: a consultation in person at the school, arranged.
    s = _ask(
        now,
        c.ago(3, "08:45"),
        by=noor,
        kind=query,
        initials="OB",
        born=2019,
        summary="A parent has asked the school about short breaks for a child with additional needs; the family "
        "is under a lot of strain.",
        help_wanted="Who the school should point the family to, and whether social care can help.",
    )
    s.acknowledge(
        c.ago(3, "12:00"),
        by=chloe,
        worker=chloe,
        next_step="I will go through it with you in person when I visit the school. I will bring the short "
        "breaks information.",
        expected_by=add_working_days(c.today, 3),
    )
    s.schedule(
        c.ago(3, "12:05"),
        by=chloe,
        when=c.ahead(2, "11:00"),
        method=in_person,
        details="At the school, in the family room.",
    )
    s.done()

    # Castle Rock High School: a video consultation arranged, and a promise still open.
    s = _ask(
        now,
        c.ago(2, "14:00"),
        by=pat,
        kind=consultation,
        initials="DH",
        born=2014,
        summary="A friend told staff that a student has been hurting themselves. The school has followed its "
        "own procedures and spoken with the parent, who is supportive.",
        help_wanted="A consultation on what support is available and whether anything more is needed.",
    )
    s.acknowledge(
        c.ago(1, "09:10"),
        by=dev,
        worker=dev,
        next_step="I will talk it through with you on a video call; the details are below.",
        expected_by=add_working_days(c.today, 4),
    )
    s.schedule(
        c.ago(1, "09:15"),
        by=dev,
        when=c.ahead(2, "10:30"),
        method=video,
        details="A video link will be sent to your school email address the day before.",
    )
    s.promise(
        c.ago(1, "09:20"),
        by=dev,
        text="Find out whether the family has had early help before",
        due_on=add_working_days(c.today, 3),
    )
    s.message(c.ago(1, "11:00"), by=pat, text="Thank you. The student's form tutor would like to join the call.")
    s.done()

    # Castle Rock High School: a pod meeting still to come; partner@example.org has not answered yet, and has
    # asked to speak to a manager.
    s = _ask(
        now,
        c.ago(3, "11:30"),
        by=pat,
        kind=pod,
        initials="KB",
        born=2013,
        summary="A student's worry about coming to school has grown, and a younger brother at primary school is "
        "also missing days. The school nurse is involved.",
        help_wanted="A pod meeting with the school nurse and the family support worker.",
    )
    s.acknowledge(
        c.ago(2, "09:20"),
        by=dev,
        worker=zara,
        next_step="We will invite you and the school nurse to a pod meeting. Please answer the invitation in "
        "the portal.",
        expected_by=add_working_days(c.today, 2),
    )
    upcoming = s.pod_invite(
        c.ago(2, "10:00"),
        by=zara,
        starts_at=c.ahead(2, "14:00"),
        ends_at=c.ahead(2, "15:00"),
        location="Coalville Family Hub, meeting room 1",
        online_link="https://meet.example.org/coalville-pod-4821",
        invitees=[pat, ines],
    )
    s.promise(
        c.ago(2, "10:05"),
        by=zara,
        text="Send the family support worker's notes before the meeting",
        due_on=add_working_days(c.today, 2),
    )
    s.answer(upcoming, c.ago(1, "09:15"), by=ines, response=InviteResponse.ACCEPTED)
    # Not answered yet: it waits on the home of Coalville's manager (joanna.keele@example.org).
    s.escalate(
        c.ago(1, "16:10"),
        by=pat,
        kind=EscalationKind.SPEAK_TO_MANAGER,
        text="The younger brother's school has asked us who is leading on the family. Could a manager call us "
        "before the pod meeting?",
    )
    s.done()

    # Desford Primary School: not acknowledged, past its service level (the lead has been told).
    _ask(
        now,
        c.ago(4, "10:05"),
        by=rowan,
        kind=consultation,
        initials="TP",
        born=2019,
        summary="The child has been late most days this half term and seems very tired. A parent has said they "
        "work nights and an older sibling brings the child in.",
        help_wanted="Advice on support for the family and whether to ask for early help.",
    ).done()

    # Castle Rock High School: sent this morning.
    _ask(
        now,
        now - timedelta(minutes=95),
        by=pat,
        kind=query,
        urgency=Urgency.TODAY,
        case_reference="CR-1183920",
        summary="Could you tell us who the allocated social worker is now? The previous worker has left and the "
        "family have asked the school who to call.",
    ).done()
