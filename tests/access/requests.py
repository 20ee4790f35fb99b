"""Access table for the requests routes, pod invites included (see tests/access/__init__.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.access import CASEWORK, PARTNERS, PEOPLE

ACCESS: dict[str, frozenset[Any]] = {
    "requests.list_requests": PEOPLE,
    "requests.new_request": PARTNERS,
    "requests.request_page": PEOPLE,
    "requests.add_message": PEOPLE,
    "requests.add_staff_note": CASEWORK,
    "requests.acknowledge": CASEWORK,
    "requests.schedule": CASEWORK,
    "requests.wait": CASEWORK,
    "requests.resume": CASEWORK,
    "requests.close": CASEWORK,
    "requests.reassign": CASEWORK,
    "requests.new_promise": CASEWORK,
    "requests.keep_promise": CASEWORK,
    "requests.escalate": PARTNERS,
    "requests.respond": CASEWORK,  # a practitioner only while covering the manager
    "requests.new_pod_invite": CASEWORK,
    "requests.pod_invite": PEOPLE,
    "requests.respond_to_pod_invite": PARTNERS,
    "requests.edit_pod_invite": CASEWORK,
    "requests.confirm_cancel_pod_invite": CASEWORK,
    "requests.cancel_pod_invite": CASEWORK,
    "requests.record_attendance": CASEWORK,
}


def url_values(world: Any, factories: Any) -> dict[str, Any]:
    """Values for this domain's URL parameters, for objects in the world's first locality: the school's
    request with a promise, an escalation and a pod invite to which the school's partner is invited; the
    locality's manager is away today, covered by the world's practitioner."""
    from portal.common.times import london_today
    from portal.extensions import db
    from portal.requests.models import PodInvite, PodInvitee

    req = factories.ConsultationRequestFactory(organisation=world.school, created_by=world.partner)
    promise = factories.PromiseFactory(request=req, made_by_id=world.practitioner.id)
    escalation = factories.EscalationFactory(request=req, raised_by_id=world.partner.id)
    starts = datetime.now(UTC) + timedelta(days=7)
    invite = PodInvite(
        request_id=req.id,
        organiser_id=world.practitioner.id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        location="School",
    )
    invite.invitees.append(PodInvitee(user_id=world.partner.id))
    db.session.add(invite)
    # The world's practitioner covers the manager today, so may answer the escalation (`requests.respond` is
    # for practitioners only while they cover the locality's manager; other practitioners get 403 or 404,
    # proven in tests/integration/requests/test_escalation_stages.py).
    today = london_today()
    factories.StaffAbsenceFactory(user=world.manager, cover=world.practitioner, starts_on=today, ends_on=today)
    db.session.commit()
    return {"request_id": req.id, "promise_id": promise.id, "escalation_id": escalation.id, "invite_id": invite.id}
