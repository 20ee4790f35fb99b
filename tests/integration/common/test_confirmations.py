"""Every action that cannot be undone asks first, the same way: its question page (GET) says what will happen
and changes nothing; a post without the page's "Yes" (the one-click button pages used to have) changes nothing
and leads to the question; the "Yes" makes the change. Cancelling a place or a session: tests/integration/sessions/
test_confirmations.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.common.roles import Role
from portal.directory.models import DistrictMapping, PodMember, StaffAbsence
from portal.extensions import db
from portal.meetings.models import PartnershipMeeting
from portal.requests.models import PodInvite, PodInvitee
from tests import meetings_factories
from tests.support.db import count, fresh, row_counts
from tests.support.forms import banner, csrf_token, post


def _meeting(world: Any, factories: Any) -> tuple[str, str, Any]:
    meeting = meetings_factories.PartnershipMeetingFactory(locality=world.locality, organiser=world.manager)
    meetings_factories.MeetingInvitationFactory(meeting=meeting, organisation=world.school)
    db.session.commit()
    return (
        f"/meetings/{meeting.id}/cancel",
        "Are you sure you want to cancel the meeting?",
        lambda: fresh(PartnershipMeeting, meeting.id).cancelled_at is not None,
    )


def _pod_invite(world: Any, factories: Any) -> tuple[str, str, Any]:
    req = factories.ConsultationRequestFactory(
        organisation=world.school, created_by=world.partner, routed_to=world.practitioner, worker=world.practitioner
    )
    starts = datetime.now(UTC) + timedelta(days=3)
    invite = PodInvite(
        request_id=req.id, organiser_id=world.practitioner.id, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    invite.location = "Castle Rock High School"
    invite.invitees = [PodInvitee(user_id=world.partner.id)]
    db.session.add(invite)
    db.session.commit()
    return (
        f"/requests/{req.id}/pod-invites/{invite.id}/cancel",
        "Are you sure you want to cancel the pod meeting?",
        lambda: fresh(PodInvite, invite.id).cancelled_at is not None,
    )


def _pod_member(world: Any, factories: Any) -> tuple[str, str, Any]:
    pod = factories.PodFactory(locality=world.locality, name="Coalville pod")
    member_id = factories.PodMemberFactory(pod=pod, user=world.practitioner).id
    db.session.commit()
    return (
        f"/pods/{pod.id}/members/{member_id}/remove",
        "Are you sure you want to remove Lee Lead from the pod?",
        lambda: count(PodMember, PodMember.id == member_id) == 0,
    )


def _absence(world: Any, factories: Any) -> tuple[str, str, Any]:
    today = datetime.now(UTC).date()
    absence_id = factories.StaffAbsenceFactory(
        user=world.practitioner, cover=world.manager, starts_on=today, ends_on=today + timedelta(days=2)
    ).id
    db.session.commit()
    return (
        f"/absences/{absence_id}/delete",
        "Are you sure you want to delete Lee Lead's absence?",
        lambda: count(StaffAbsence, StaffAbsence.id == absence_id) == 0,
    )


def _erasure(world: Any, factories: Any) -> tuple[str, str, Any]:
    return (
        f"/users/{world.partner.id}/erase",
        "Are you sure you want to erase Pat Partner's account?",
        lambda: db.session.scalar(select(User.name).where(User.id == world.partner.id)) == "Erased user",
    )


def _district(world: Any, factories: Any) -> tuple[str, str, Any]:
    mapping = DistrictMapping(district="Charnwood", locality_id=world.locality.id)
    db.session.add(mapping)
    db.session.commit()
    mapping_id = mapping.id
    return (
        f"/districts/{mapping_id}/delete",
        "Are you sure you want to delete the mapping for Charnwood?",
        lambda: count(DistrictMapping, DistrictMapping.id == mapping_id) == 0,
    )


CASES = {
    "cancel a meeting": (_meeting, Role.MANAGER),
    "cancel a pod invite": (_pod_invite, Role.PRACTITIONER),
    "remove a pod member": (_pod_member, Role.MANAGER),
    "delete an absence": (_absence, Role.PRACTITIONER),
    "erase an account": (_erasure, Role.ADMIN),
    "delete a district mapping": (_district, Role.ADMIN),
}


@pytest.mark.parametrize("case", list(CASES))
def test_it_asks_first_and_acts_only_on_yes(client_for, world, factories, case):
    make, role = CASES[case]
    url, question, done = make(world, factories)
    client = client_for(role)
    if role is Role.ADMIN:  # erasing an account asks for the password again first
        confirm = "/account/confirm-password"
        client.post(confirm, data={"password": factories.PASSWORD, "csrf_token": csrf_token(client, confirm)})
    before = row_counts(skip=("audit_event",))

    page = client.get(url)
    assert page.status_code == 200, (case, page.status_code, page.headers.get("Location"))
    assert page.soup.h1.get_text(strip=True) == question
    form = page.soup.find("form", id="confirm-form")
    assert form.find("input", attrs={"name": "confirm"})["value"] == "yes"
    assert form.select_one("button.govuk-button--warning").get_text(strip=True).startswith("Yes, ")
    assert page.soup.find("a", id="confirm-no").get_text(strip=True).startswith("No, keep ")

    old = post(client, url)
    assert old.status_code == 302 and old.headers["Location"].endswith(url), (case, old.headers.get("Location"))
    assert row_counts(skip=("audit_event",)) == before
    assert not done()

    yes = post(client, url, {"confirm": "yes"})
    assert yes.status_code == 302
    assert banner(client.get(yes.headers["Location"]))
    assert done()
