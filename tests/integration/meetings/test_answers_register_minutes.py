"""Schools answer (one answer per school, the latest wins, audited); the manager records the register once
the meeting has started, and writes the minutes, which partners read once published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from portal.common.roles import Role
from portal.extensions import db
from portal.meetings.models import MeetingAnswer, MeetingInvitation, PartnershipMeeting
from tests.integration.meetings.conftest import audit_actions, held_meeting
from tests.meetings_factories import meeting_with_schools
from tests.support.db import fresh
from tests.support.forms import assert_error_page, banner, post


def _upcoming(world: Any, schools: list[Any] | None = None, days: int = 7) -> PartnershipMeeting:
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    return meeting_with_schools(world.locality, schools or [world.school], organiser=world.manager, starts_at=starts)


def test_a_partner_answers_for_their_school_and_the_latest_answer_wins(client_for, world, factories):
    meeting = _upcoming(world)
    colleague = factories.UserFactory(role=Role.PARTNER, organisation=world.school, name="Sam Senco")

    first = post(
        client_for(Role.PARTNER),
        f"/meetings/{meeting.id}/answer",
        {"answer": "attending", "attendees": "Pat Partner, DSL"},
    )
    assert first.status_code == 302
    invitation = fresh(MeetingInvitation, meeting.invitations[0].id)
    assert (invitation.answer, invitation.attendees, invitation.answered_by_id) == (
        MeetingAnswer.ATTENDING,
        "Pat Partner, DSL",
        world.partner.id,
    )

    client = client_for(colleague)
    assert (
        post(client, f"/meetings/{meeting.id}/answer", {"answer": "not_attending", "attendees": "x"}).status_code == 302
    )
    invitation = fresh(MeetingInvitation, invitation.id)
    assert (invitation.answer, invitation.attendees, invitation.answered_by_id) == (
        MeetingAnswer.NOT_ATTENDING,
        "",
        colleague.id,
    )
    assert audit_actions() == ["meeting.answered", "meeting.answered"]
    page = client.get(f"/meetings/{meeting.id}")
    assert "Not attending" in page.soup.select_one("#current-answer").get_text()
    assert page.soup.select_one("#invitations") is None  # partners do not see the other schools' answers

    manager_page = client_for(Role.MANAGER).get(f"/meetings/{meeting.id}")
    assert "Not attending" in manager_page.soup.select_one("#invitations").get_text()


def test_attending_needs_who_will_come(client_for, world):
    meeting = _upcoming(world)
    response = post(client_for(Role.PARTNER), f"/meetings/{meeting.id}/answer", {"answer": "attending"})
    assert_error_page(response, "Enter who will come from your school")
    response = post(client_for(Role.PARTNER), f"/meetings/{meeting.id}/answer", {})
    assert_error_page(response, "Select whether your school will attend")
    assert fresh(MeetingInvitation, meeting.invitations[0].id).answer is MeetingAnswer.NOT_ANSWERED
    assert audit_actions() == []


def test_a_partner_can_answer_only_for_their_own_schools_invitation(client_for, world, factories):
    other_school = factories.OrganisationFactory(name="Hill Top Primary", locality=world.locality)
    meeting = _upcoming(world, [other_school])  # the partner's school is not invited
    client = client_for(Role.PARTNER)
    assert client.get(f"/meetings/{meeting.id}").status_code == 200  # the locality's meeting: they may see it
    assert (
        post(client, f"/meetings/{meeting.id}/answer", {"answer": "attending", "attendees": "Pat"}).status_code == 404
    )
    assert fresh(MeetingInvitation, meeting.invitations[0].id).answer is MeetingAnswer.NOT_ANSWERED


def test_a_meeting_that_has_started_cannot_be_answered(client_for, world):
    meeting = held_meeting(world)
    client = client_for(Role.PARTNER)
    response = post(client, f"/meetings/{meeting.id}/answer", {"answer": "attending", "attendees": "Pat"})
    assert response.status_code == 302
    assert "already started" in banner(client.get(response.headers["Location"]))
    assert fresh(MeetingInvitation, meeting.invitations[0].id).answer is MeetingAnswer.NOT_ANSWERED


def _register_data(meeting: PartnershipMeeting, entries: dict[int, tuple[str, str]]) -> dict[str, str]:
    data = {}
    for invitation_id, (represented, who) in entries.items():
        data[f"represented_{invitation_id}"] = represented
        data[f"by_{invitation_id}"] = who
    return data


def test_the_manager_records_the_register_once_the_meeting_has_started(client_for, world, factories):
    second = factories.OrganisationFactory(name="Hill Top Primary", locality=world.locality)
    upcoming = _upcoming(world, days=100)  # next quarter's
    client = client_for(Role.MANAGER)
    early = client.get(f"/meetings/{upcoming.id}/register")
    assert early.status_code == 302
    assert "once the meeting has started" in banner(client.get(early.headers["Location"]))

    meeting = held_meeting(world, schools=[world.school, second])
    first, other = sorted(meeting.invitations, key=lambda i: i.organisation.name != world.school.name)
    page = client.get(f"/meetings/{meeting.id}/register")
    assert {legend.get_text(strip=True) for legend in page.soup("legend")} == {
        f"Was {world.school.name} represented?",
        "Was Hill Top Primary represented?",
    }

    missing = post(client, f"/meetings/{meeting.id}/register", _register_data(meeting, {first.id: ("yes", "")}))
    assert_error_page(
        missing, f"Enter who represented {world.school.name}", "Select whether Hill Top Primary was represented"
    )
    assert fresh(PartnershipMeeting, meeting.id).register_recorded_at is None

    saved = post(
        client,
        f"/meetings/{meeting.id}/register",
        _register_data(meeting, {first.id: ("yes", "Pat Partner, DSL"), other.id: ("no", "ignored")}),
    )
    assert saved.status_code == 302
    assert fresh(PartnershipMeeting, meeting.id).register_recorded_at is not None
    assert (fresh(MeetingInvitation, first.id).represented, fresh(MeetingInvitation, first.id).represented_by) == (
        True,
        "Pat Partner, DSL",
    )
    assert (fresh(MeetingInvitation, other.id).represented, fresh(MeetingInvitation, other.id).represented_by) == (
        False,
        "",
    )
    assert audit_actions() == ["meeting.register_recorded"]
    shown = client.get(f"/meetings/{meeting.id}").soup.select_one("#invitations").get_text(" ", strip=True)
    assert "Yes: Pat Partner, DSL" in shown


def test_draft_minutes_are_for_managers_and_published_minutes_for_the_locality(client_for, world):
    meeting = held_meeting(world)
    manager = client_for(Role.MANAGER)
    partner = client_for(Role.PARTNER)

    assert_error_page(
        post(manager, f"/meetings/{meeting.id}/minutes", {"minutes": " ", "save": "y"}), "Enter the minutes"
    )
    assert (
        post(manager, f"/meetings/{meeting.id}/minutes", {"minutes": "We met.\n\nWe agreed.", "save": "y"}).status_code
        == 302
    )
    assert fresh(PartnershipMeeting, meeting.id).minutes_published_at is None
    assert manager.get(f"/meetings/{meeting.id}").soup.select_one("#minutes-text") is not None
    partner_page = partner.get(f"/meetings/{meeting.id}")
    assert partner_page.soup.select_one("#minutes-text") is None
    assert "not been published" in partner_page.soup.get_text()

    assert (
        post(
            manager, f"/meetings/{meeting.id}/minutes", {"minutes": "We met.\n\nWe agreed.", "publish": "y"}
        ).status_code
        == 302
    )
    assert fresh(PartnershipMeeting, meeting.id).minutes_published_at is not None
    paragraphs = [p.get_text() for p in partner.get(f"/meetings/{meeting.id}").soup.select("#minutes-text p")]
    assert paragraphs == ["We met.", "We agreed."]
    assert audit_actions() == ["meeting.minutes_saved", "meeting.minutes_published"]


def test_a_practitioner_of_the_locality_sees_the_meeting_but_cannot_manage_it(client_for, world):
    meeting = held_meeting(world)
    page = client_for(Role.PRACTITIONER).get(f"/meetings/{meeting.id}")
    assert page.status_code == 200
    assert page.soup.select_one("#manage") is None
    assert client_for(Role.PRACTITIONER).get(f"/meetings/{meeting.id}/register").status_code == 403
    db.session.expire_all()


def test_published_minutes_stay_published_whichever_button_saves_them(client_for, world):
    meeting = held_meeting(world)
    manager = client_for(Role.MANAGER)
    post(manager, f"/meetings/{meeting.id}/minutes", {"minutes": "We met.", "publish": "y"})
    published_at = fresh(PartnershipMeeting, meeting.id).minutes_published_at
    assert published_at is not None

    # A published page shows one button, "Save the minutes": the form's `save`.
    page = manager.get(f"/meetings/{meeting.id}/minutes")
    assert [b["name"] for b in page.soup.select("main form button, main form input[type=submit]")] == ["save"]
    saved = post(manager, f"/meetings/{meeting.id}/minutes", {"minutes": "We met. We agreed.", "save": "y"})

    assert "Minutes published: partners can read them." in banner(manager.get(saved.headers["Location"]))
    again = fresh(PartnershipMeeting, meeting.id)
    assert (again.minutes, again.minutes_published_at) == ("We met. We agreed.", published_at)
    assert audit_actions() == ["meeting.minutes_published", "meeting.minutes_saved"]
    assert [
        p.get_text() for p in client_for(Role.PARTNER).get(f"/meetings/{meeting.id}").soup.select("#minutes-text p")
    ] == ["We met. We agreed."]
