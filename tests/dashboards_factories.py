"""A quarter of invented work whose every dashboard figure is worked out by hand below (`KNOWN`).

The quarter is Q3 2025–26 (October to December 2025): it holds the Christmas bank holidays (Thursday 25
and Friday 26 December 2025) and the end of British Summer Time (26 October 2025). `build_known_quarter`
makes the rows in the world's first locality (and a few elsewhere and in the quarter before, which
must not count) and measures each request's steps with portal.requests.timings, the function the
request services call when a request is acknowledged or closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from portal.common.roles import Role
from portal.common.working_days import due_at
from portal.directory.models import OrganisationKind
from portal.extensions import db
from portal.feedback.models import Feedback, PulseResponse, Theme, YouSaidWeDid
from portal.meetings.models import MeetingInvitation, PartnershipMeeting
from portal.models_base import utcnow
from portal.requests import timings
from portal.requests.models import (
    ConsultationRequest,
    Escalation,
    EscalationKind,
    InviteResponse,
    PodInvite,
    PodInvitee,
    Promise,
    RequestPause,
    RequestStatus,
)
from portal.sessions.models import Booking, BookingStatus, Session, SessionKind

LONDON = ZoneInfo("Europe/London")
QUARTER = "2025-Q3"
PREVIOUS = "2025-Q2"


def at(y: int, m: int, d: int, hour: int = 9, minute: int = 0) -> datetime:
    """A London wall-clock time, as the aware datetime the database stores."""
    return datetime(y, m, d, hour, minute, tzinfo=LONDON)


@dataclass
class Known:
    requests: dict[str, ConsultationRequest]
    second: Any  # the second practitioner, in the pod
    pod: Any
    busy_school: Any  # five requests in the quarter: shown as 5
    health: Any
    police: Any


def _request(f: Any, org: Any, received: datetime, **fields: Any) -> ConsultationRequest:
    req = f.ConsultationRequestFactory(
        organisation=org,
        received_at=received,
        acknowledge_due=fields.pop("acknowledge_due", due_at(received, 1)),
        consult_due=fields.pop("consult_due", due_at(received, 5)),
        outcome_due=fields.pop("outcome_due", due_at(received, 10)),
        **fields,
    )
    return req  # type: ignore[no-any-return]


def _measure(req: ConsultationRequest) -> None:
    db.session.refresh(req)
    if req.acknowledged_at is not None:
        timings.record_acknowledged(req)
    if req.closed_at is not None:
        timings.record_closed(req)
    db.session.commit()


def build_known_quarter(world: Any, f: Any) -> Known:
    loc, school = world.locality, world.school
    lead = world.practitioner
    second = f.UserFactory(role=Role.PRACTITIONER, locality=loc, name="Sam Second")
    pod = f.PodFactory(locality=loc, name="Coalville pod")
    f.PodMemberFactory(pod=pod, user=second)
    busy = f.OrganisationFactory(name="Busy Brook Academy", locality=loc)
    health = f.OrganisationFactory(name="Coalville Health Centre", kind=OrganisationKind.HEALTH, urn=None, locality=loc)
    police = f.OrganisationFactory(name="Coalville Police", kind=OrganisationKind.POLICE, urn=None, locality=loc)
    closed, acknowledged = RequestStatus.CLOSED, RequestStatus.ACKNOWLEDGED
    r: dict[str, ConsultationRequest] = {}

    # R1: received Monday 22 December, acknowledged Monday 29 December: 23, 24 and 29 December are the
    # working days (25 and 26 are bank holidays): 3, late (due the 23rd). Still open, and overdue now.
    r["R1"] = _request(
        f, school, at(2025, 12, 22, 10), status=acknowledged, worker=lead, acknowledged_at=at(2025, 12, 29)
    )
    # R2: received Wednesday 1 October (BST); acknowledged the 2nd (1, on time); consulted Tuesday the
    # 7th (4: 2, 3, 6, 7); closed Friday the 10th (7); all on time.
    r["R2"] = _request(
        f,
        school,
        at(2025, 10, 1),
        status=closed,
        worker=lead,
        acknowledged_at=at(2025, 10, 2),
        consultation_at=at(2025, 10, 7, 10),
        closed_at=at(2025, 10, 10, 15),
    )
    # R3: received Monday 3 November, acknowledged the same day (0); waited on the partner from Tuesday
    # 17:00 to Monday 10 November 09:00, which loses Wednesday to Friday (3 working days, so its due
    # dates moved on by 3); consulted Wednesday 12th (7 − 3 = 4, due the 13th); closed Friday 14th
    # (9 − 3 = 6, due the 20th). Health asked.
    r["R3"] = _request(
        f,
        health,
        at(2025, 11, 3),
        status=closed,
        worker=second,
        acknowledged_at=at(2025, 11, 3, 15),
        consultation_at=at(2025, 11, 12, 10),
        closed_at=at(2025, 11, 14, 12),
        consult_due=date(2025, 11, 13),
        outcome_due=date(2025, 11, 20),
    )
    db.session.add(RequestPause(request_id=r["R3"].id, started_at=at(2025, 11, 4, 17), ended_at=at(2025, 11, 10)))
    # R4: received Monday 1 December, acknowledged Thursday the 4th (3, late); closed Friday the 19th
    # without a consultation: consult and outcome both 14 working days, both late. Police asked.
    r["R4"] = _request(
        f,
        police,
        at(2025, 12, 1),
        status=closed,
        worker=second,
        acknowledged_at=at(2025, 12, 4),
        closed_at=at(2025, 12, 19, 16),
    )
    # R5: received Monday 29 September (the quarter before), acknowledged the 30th (1, on time, counts
    # in Q2); closed Thursday 2 October without a consultation: consult and outcome 3, on time (Q3).
    r["R5"] = _request(
        f,
        school,
        at(2025, 9, 29),
        status=closed,
        worker=second,
        acknowledged_at=at(2025, 9, 30),
        closed_at=at(2025, 10, 2, 11),
    )
    # Elsewhere: another locality's request in the quarter, slow; it must never count here.
    r["other"] = _request(
        f,
        world.other_school,
        at(2025, 11, 3),
        status=closed,
        worker=world.other_practitioner,
        acknowledged_at=at(2025, 11, 17),
        closed_at=at(2025, 11, 28),
    )
    # Five requests from one school in October, still waiting on the partner (not overdue, no timings).
    for day in (6, 7, 8, 9, 13):
        _request(f, busy, at(2025, 10, day), status=RequestStatus.WAITING_ON_PARTNER, worker=lead)
    # Open now: one overdue (acknowledge due ten days ago), one not yet due; and one overdue elsewhere.
    now = utcnow()
    today = now.astimezone(LONDON).date()
    _request(f, school, now - timedelta(days=12), acknowledge_due=today - timedelta(days=10))
    _request(f, school, now, acknowledge_due=today + timedelta(days=1), consult_due=today + timedelta(days=5))
    _request(f, world.other_school, now - timedelta(days=12), acknowledge_due=today - timedelta(days=10))
    db.session.commit()
    for req in r.values():
        _measure(req)

    # Promises due in the quarter: kept, missed (not kept, due long ago), kept on its due date, and
    # missed by being kept late: due Tuesday 7 October, kept at 00:30 on the 8th in London, which is
    # still the 7th in UTC (BST). One elsewhere.
    for req, due, kept in (
        (r["R2"], date(2025, 10, 10), at(2025, 10, 9)),
        (r["R3"], date(2025, 11, 20), None),
        (r["R4"], date(2025, 12, 5), at(2025, 12, 5, 17)),
        (r["R2"], date(2025, 10, 7), at(2025, 10, 8, 0, 30)),
        (r["other"], date(2025, 11, 20), None),
    ):
        db.session.add(
            Promise(
                request_id=req.id,
                locality_id=req.locality_id,
                made_by_id=req.worker_id,
                text="I will call you",
                due_on=due,
                kept_at=kept,
            )
        )
    # Escalations: one asked to speak to a manager (answered), one disagreement; one elsewhere.
    for req, kind, raised, answered in (
        (r["R2"], EscalationKind.SPEAK_TO_MANAGER, at(2025, 10, 15), at(2025, 10, 16)),
        (r["R4"], EscalationKind.DISAGREEMENT, at(2025, 12, 20), None),
        (r["other"], EscalationKind.DISAGREEMENT, at(2025, 11, 29), None),
    ):
        db.session.add(
            Escalation(request_id=req.id, kind=kind, raised_at=raised, text="Please call me.", responded_at=answered)
        )

    # Feedback, as portal.feedback.services.give_feedback stores it (anonymous entries keep no author,
    # organisation or request, and only the day): three in the quarter here (4 about R5, 2 anonymous
    # from the police, 5 about R2), one in the quarter before (3, anonymous), one elsewhere.
    db.session.add_all(
        [
            Feedback(
                theme=Theme.KEEPING_PROMISES,
                rating=4,
                text="Calls came back when promised.",
                author_id=world.partner.id,
                organisation_id=school.id,
                organisation_kind=OrganisationKind.SCHOOL,
                locality_id=loc.id,
                request_id=r["R5"].id,
                created_at=at(2025, 10, 10),
            ),
            Feedback(
                theme=Theme.KEEPING_PROMISES,
                rating=2,
                text="We waited a week for the call back.",
                anonymous=True,
                organisation_kind=OrganisationKind.POLICE,
                locality_id=loc.id,
                created_at=at(2025, 11, 20, 0),
            ),
            Feedback(
                theme=Theme.COMMUNICATION,
                rating=5,
                text="Clear about what happens next.",
                author_id=world.partner.id,
                organisation_id=school.id,
                organisation_kind=OrganisationKind.SCHOOL,
                locality_id=loc.id,
                request_id=r["R2"].id,
                created_at=at(2025, 12, 1),
            ),
            Feedback(
                theme=Theme.COMMUNICATION,
                rating=3,
                anonymous=True,
                locality_id=loc.id,
                organisation_kind=OrganisationKind.SCHOOL,
                created_at=at(2025, 9, 15, 0),
            ),
            Feedback(
                theme=Theme.RESPECT,
                rating=1,
                text="Elsewhere.",
                author_id=world.other_partner.id,
                organisation_id=world.other_school.id,
                organisation_kind=OrganisationKind.SCHOOL,
                locality_id=world.other_locality.id,
                created_at=at(2025, 11, 1),
            ),
        ]
    )
    # Pulse: helpful and knew next; not helpful; helpful but did not know what next.
    for req, helpful, knew, when in (
        (r["R2"], True, True, at(2025, 10, 11)),
        (r["R3"], False, True, at(2025, 11, 15)),
        (r["R4"], True, False, at(2025, 12, 20)),
        (r["other"], False, False, at(2025, 11, 29)),
    ):
        db.session.add(
            PulseResponse(
                request_id=req.id, locality_id=req.locality_id, helpful=helpful, knew_what_next=knew, created_at=when
            )
        )
    # Published "You said, we did": one for the locality (its text starts with = to test the CSV).
    db.session.add(
        YouSaidWeDid(
            theme=Theme.KEEPING_PROMISES,
            locality_id=loc.id,
            you_said='=HYPERLINK("http://example.invalid") Calls were not returned.',
            we_did="Every promise now has a date and a reminder.",
            author_id=world.manager.id,
            published_at=at(2025, 11, 25),
        )
    )

    # A partnership meeting on 12 November: three schools invited, two represented.
    meeting = PartnershipMeeting(
        locality_id=loc.id,
        quarter_start=date(2025, 10, 1),
        title="Coalville partnership meeting",
        starts_at=at(2025, 11, 12, 14),
        ends_at=at(2025, 11, 12, 16),
        organiser_id=lead.id,
        register_recorded_at=at(2025, 11, 12, 17),
    )
    db.session.add(meeting)
    db.session.flush()
    for org, represented in ((school, True), (busy, True), (f.OrganisationFactory(locality=loc), False)):
        db.session.add(MeetingInvitation(meeting_id=meeting.id, organisation_id=org.id, represented=represented))
    # A shadowing session: 10 places, 4 booked, 3 attended. No open day.
    session = Session(
        kind=SessionKind.FRONT_DOOR_SHADOWING,
        locality_id=loc.id,
        title="Front Door shadowing",
        starts_at=at(2025, 11, 18, 9),
        ends_at=at(2025, 11, 18, 12),
        location="County Hall",
        capacity=10,
        booked=4,
        host_id=lead.id,
    )
    db.session.add(session)
    db.session.flush()
    for i, attended in enumerate((True, True, True, False)):
        visitor = f.UserFactory(role=Role.PARTNER, organisation=school)
        db.session.add(
            Booking(session_id=session.id, user_id=visitor.id, status=BookingStatus.CONFIRMED, attended=attended)
        )
        del i
    # A pod invite on R3 for 10 November: 4 invited, 2 accepted, 1 declined, 1 not answered.
    invite = PodInvite(
        request_id=r["R3"].id,
        pod_id=pod.id,
        organiser_id=second.id,
        starts_at=at(2025, 11, 10, 13),
        ends_at=at(2025, 11, 10, 14),
    )
    db.session.add(invite)
    db.session.flush()
    for response in (
        InviteResponse.ACCEPTED,
        InviteResponse.DECLINED,
        InviteResponse.ACCEPTED,
        InviteResponse.NEEDS_ACTION,
    ):
        guest = f.UserFactory(role=Role.PARTNER, organisation=school)
        db.session.add(PodInvitee(invite_id=invite.id, user_id=guest.id, response=response))
    db.session.commit()
    return Known(r, second, pod, busy, health, police)
