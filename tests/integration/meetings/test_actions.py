"""The action log: actions agreed at a meeting (text, owner from the locality's staff or partner
organisations, due date, RAG), updated and marked done; open actions carried forward across meetings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from portal.common.roles import Role
from portal.directory.models import OrganisationKind
from portal.extensions import db
from portal.meetings.models import MeetingAction, Rag
from tests.integration.meetings.conftest import ago, audit_actions, held_meeting
from tests.meetings_factories import MeetingActionFactory, PartnershipMeetingFactory
from tests.support.db import count, fresh
from tests.support.forms import assert_error_page, post


def _action_data(owner: str, **changes: Any) -> dict[str, Any]:
    due = date.today() + timedelta(days=30)
    data: dict[str, Any] = {
        "text": "Share the Front Door's referral guidance with every school",
        "owner": owner,
        "due_on": [str(due.day), str(due.month), str(due.year)],
        "rag": "amber",
    }
    data.update(changes)
    return data


def test_the_owner_is_a_member_of_the_localitys_staff_a_partner_or_one_of_its_organisations(
    client_for, world, factories
):
    meeting = held_meeting(world)
    agency = factories.OrganisationFactory(name="Shire Police", kind=OrganisationKind.POLICE, locality=world.locality)
    gone = factories.UserFactory(role=Role.PARTNER, organisation=world.school, disabled_at=datetime.now(UTC))
    client = client_for(Role.MANAGER)
    page = client.get(f"/meetings/{meeting.id}/actions/new")
    select_box = page.soup.select_one("select[name=owner]")
    assert select_box.has_attr("data-portal-autocomplete")  # a long list: narrowed as the manager types
    offered = {option["value"] for option in select_box.select("option") if option["value"]}
    assert offered == {
        f"user:{world.practitioner.id}",
        f"user:{world.manager.id}",
        f"user:{world.partner.id}",  # a partner of the locality's school, in person
        f"organisation:{world.school.id}",
        f"organisation:{agency.id}",
    }
    labels = {option["value"]: option.get_text() for option in select_box.select("option")}
    assert labels[f"user:{world.partner.id}"] == f"{world.partner.name}, {world.school.name}"

    for owner in (
        f"user:{world.other_practitioner.id}",
        f"organisation:{world.other_school.id}",
        f"user:{world.other_partner.id}",  # a partner of another locality's school, not invited
        f"user:{gone.id}",  # a disabled account
    ):
        assert_error_page(
            post(client, f"/meetings/{meeting.id}/actions/new", _action_data(owner)), "Select an owner from the list"
        )
    assert_error_page(
        post(client, f"/meetings/{meeting.id}/actions/new", _action_data("", text="", rag="", due_on=["", "", ""])),
        "Enter the action",
        "Select who owns the action",
        "Enter the due date",
        "Select the RAG status",
    )
    assert count(MeetingAction) == 0

    assert (
        post(client, f"/meetings/{meeting.id}/actions/new", _action_data(f"organisation:{agency.id}")).status_code
        == 302
    )
    [action] = db.session.query(MeetingAction).all()
    assert (action.owner_organisation_id, action.owner_user_id, action.rag, action.locality_id) == (
        agency.id,
        None,
        Rag.AMBER,
        world.locality.id,
    )
    assert audit_actions("meeting_action") == ["meeting_action.added"]
    table = client.get(f"/meetings/{meeting.id}").soup.select_one("#actions-raised")
    assert "Shire Police" in table.get_text() and "Amber" in table.get_text()
    assert [th["scope"] for th in table.select("thead th")] == ["col"] * 6


def test_actions_need_a_meeting_that_has_taken_place(client_for, world):
    upcoming = PartnershipMeetingFactory(locality=world.locality, organiser=world.manager)
    response = client_for(Role.MANAGER).get(f"/meetings/{upcoming.id}/actions/new")
    assert response.status_code == 302


def test_open_actions_carry_forward_across_three_meetings_and_done_ones_drop_off(client_for, world):
    first = held_meeting(world, starts_at=ago(days=200))
    second = held_meeting(world, starts_at=ago(days=100))
    third = held_meeting(world, starts_at=ago(hours=2))
    open_action = MeetingActionFactory(raised_at_meeting=first, owner_user_id=world.practitioner.id, text="Open one")
    done_early = MeetingActionFactory(
        raised_at_meeting=first,
        owner_organisation_id=world.school.id,
        text="Done before the second",
        done_at=datetime.now(UTC) - timedelta(days=150),
        rag=Rag.GREEN,
    )
    done_late = MeetingActionFactory(
        raised_at_meeting=first,
        owner_user_id=world.manager.id,
        text="Done before the third",
        done_at=datetime.now(UTC) - timedelta(days=50),
    )
    later = MeetingActionFactory(raised_at_meeting=second, owner_user_id=world.manager.id, text="From the second")
    client = client_for(Role.PARTNER)  # partners read the action log too

    def carried(meeting: Any) -> list[str]:
        table = client.get(f"/meetings/{meeting.id}").soup.select_one("#actions-carried")
        return [] if table is None else [th.get_text(" ", strip=True) for th in table.select("tbody th")]

    def raised(meeting: Any) -> list[str]:
        table = client.get(f"/meetings/{meeting.id}").soup.select_one("#actions-raised")
        return [] if table is None else [th.get_text(" ", strip=True) for th in table.select("tbody th")]

    assert carried(first) == []
    assert sorted(raised(first)) == sorted([open_action.text, done_early.text, done_late.text])
    assert sorted(carried(second)) == sorted([open_action.text, done_early.text, done_late.text])
    assert sorted(carried(third)) == sorted([open_action.text, done_late.text, later.text])
    assert raised(third) == []


def test_a_manager_updates_the_rag_and_marks_an_action_done_from_a_later_meeting(client_for, world):
    first = held_meeting(world, starts_at=ago(days=100))
    second = held_meeting(world, starts_at=ago(hours=2))
    action = MeetingActionFactory(raised_at_meeting=first, owner_user_id=world.practitioner.id)
    client = client_for(Role.MANAGER)
    url = f"/meetings/{second.id}/actions/{action.id}"
    assert client.get(url).status_code == 200

    assert_error_page(
        post(client, url, {"rag": "amber"}), "Change the RAG status, whether it is done or the update, or go back"
    )
    assert post(client, url, {"rag": "red", "note": "The guidance is still being written"}).status_code == 302
    updated = fresh(MeetingAction, action.id)
    assert (updated.rag, updated.done_at, updated.update_note) == (Rag.RED, None, "The guidance is still being written")

    assert post(client, url, {"rag": "green", "done": "y", "note": "Sent"}).status_code == 302
    updated = fresh(MeetingAction, action.id)
    assert updated.rag is Rag.GREEN and updated.done_at is not None
    assert audit_actions("meeting_action") == ["meeting_action.updated", "meeting_action.updated"]
    # Still shown at the meeting after it was done (as done), with its update.
    table = client.get(f"/meetings/{second.id}").soup.select_one("#actions-carried")
    assert "Done" in table.get_text() and "Sent" in table.get_text()


def test_an_action_is_updated_only_through_a_meeting_that_shows_it(client_for, world):
    first = held_meeting(world, starts_at=ago(days=100))
    second = held_meeting(world, starts_at=ago(hours=2))
    action = MeetingActionFactory(raised_at_meeting=second, owner_user_id=world.practitioner.id)
    # Raised at the second meeting: the first does not show it.
    assert client_for(Role.MANAGER).get(f"/meetings/{first.id}/actions/{action.id}").status_code == 404
