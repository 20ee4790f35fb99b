"""Actions their owners keep: a partner whose organisation owns an action (or a person named on it) updates
its RAG status, marks it done and adds a note; "My actions" across every meeting; overdue shown; every update
kept with who and when; the owner reminded two working days before the due date, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from portal.common.models import OutboxMessage
from portal.common.roles import Role
from portal.directory.models import OrganisationKind
from portal.extensions import db
from portal.meetings import owners
from portal.meetings.cli import run_jobs
from portal.meetings.models import MeetingAction, MeetingActionChange, Rag
from tests.integration.meetings.conftest import ago, held_meeting
from tests.meetings_factories import MeetingActionFactory
from tests.support.db import count, fresh
from tests.support.forms import assert_error_page, post


def _update(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"rag": "green", "note": "Guidance sent to every school on 3 March"}
    data.update(changes)
    return data


def _school_action(world: Any, **fields: Any) -> MeetingAction:
    meeting = held_meeting(world)
    return MeetingActionFactory(raised_at_meeting=meeting, owner_organisation_id=world.school.id, **fields)  # type: ignore[no-any-return]


def test_a_partner_of_the_owning_organisation_updates_the_action_and_the_history_keeps_who_and_when(client_for, world):
    action = _school_action(world)
    partner = client_for(Role.PARTNER)
    page = partner.get(f"/meetings/actions/{action.id}")
    assert page.status_code == 200
    assert page.soup.select_one("#no-history") is not None

    response = post(partner, f"/meetings/actions/{action.id}", _update(done="y"))
    assert response.status_code == 302
    saved = fresh(MeetingAction, action.id)
    assert (saved.rag, saved.update_note, saved.done_at is not None) == (
        Rag.GREEN,
        "Guidance sent to every school on 3 March",
        True,
    )
    [change] = db.session.scalars(select(MeetingActionChange)).all()
    assert (change.changed_by_id, change.previous_rag, change.rag, change.done) == (
        world.partner.id,
        Rag.AMBER,
        Rag.GREEN,
        True,
    )

    # The manager changes it back to amber on the meeting's page: kept too, in order.
    manager = client_for(Role.MANAGER)
    meeting_id = action.raised_at_meeting_id
    post(manager, f"/meetings/{meeting_id}/actions/{action.id}", {"rag": "amber", "note": saved.update_note})
    page = partner.get(f"/meetings/actions/{action.id}")
    rows = [[" ".join(td.get_text().split()) for td in tr.select("td")] for tr in page.soup.select("#history tbody tr")]
    assert [row[1:4] for row in rows] == [
        ["Pat Partner", "Amber to Green", "Done"],
        ["Max Manager", "Green to Amber", "Open"],
    ]


def test_nobody_else_may_open_or_update_the_action(client_for, world, factories):
    action = _school_action(world)
    same_locality_other_school = factories.OrganisationFactory(locality=world.locality)
    stranger = factories.UserFactory(
        role=Role.PARTNER, organisation=same_locality_other_school, locality=world.locality
    )
    for who in (stranger, world.other_partner, world.practitioner, world.other_manager):
        client = client_for(who)
        assert client.get(f"/meetings/actions/{action.id}").status_code == 404
        assert post(client, f"/meetings/actions/{action.id}", _update()).status_code == 404
    assert count(MeetingActionChange) == 0
    assert fresh(MeetingAction, action.id).rag is Rag.AMBER


def test_a_named_owner_updates_their_own_action(client_for, world):
    meeting = held_meeting(world)
    action = MeetingActionFactory(raised_at_meeting=meeting, owner_user_id=world.practitioner.id)
    response = post(client_for(Role.PRACTITIONER), f"/meetings/actions/{action.id}", _update(rag="red", note=""))
    assert response.status_code == 302
    assert fresh(MeetingAction, action.id).rag is Rag.RED


def test_a_partner_named_as_the_owner_keeps_the_action_and_nobody_else_of_a_partner_organisation_may(
    client_for, world, factories
):
    meeting = held_meeting(world)
    manager = client_for(Role.MANAGER)
    response = post(
        manager,
        f"/meetings/{meeting.id}/actions/new",
        {
            "text": "Share the attendance figures with the governors",
            "owner": f"user:{world.partner.id}",
            "due_on": [str(d) for d in _day_parts(date.today() + timedelta(days=10))],
            "rag": "amber",
        },
    )
    assert response.status_code == 302, response.soup.select_one(".govuk-error-summary")
    [action] = db.session.scalars(select(MeetingAction)).all()
    assert (action.owner_user_id, action.owner_organisation_id) == (world.partner.id, None)

    partner = client_for(Role.PARTNER)
    mine = partner.get("/meetings/actions")
    assert [a["href"] for a in mine.soup.select("#open-actions tbody tr th a")] == [f"/meetings/actions/{action.id}"]

    assert (
        post(partner, f"/meetings/actions/{action.id}", _update(rag="red", note="Governors meet in May")).status_code
        == 302
    )
    assert (
        post(partner, f"/meetings/actions/{action.id}", _update(rag="green", note="Shared on 2 May")).status_code == 302
    )
    saved = fresh(MeetingAction, action.id)
    assert (saved.rag, saved.update_note, saved.done_at) == (Rag.GREEN, "Shared on 2 May", None)
    changes = db.session.scalars(select(MeetingActionChange).order_by(MeetingActionChange.id)).all()
    assert [(c.changed_by_id, c.previous_rag, c.rag, c.note) for c in changes] == [
        (world.partner.id, Rag.AMBER, Rag.RED, "Governors meet in May"),
        (world.partner.id, Rag.RED, Rag.GREEN, "Shared on 2 May"),
    ]
    assert all(c.changed_at is not None for c in changes)
    page = partner.get(f"/meetings/actions/{action.id}")
    rows = [[" ".join(td.get_text().split()) for td in tr.select("td")] for tr in page.soup.select("#history tbody tr")]
    assert [row[1:] for row in rows] == [
        ["Pat Partner", "Amber to Red", "Open", "Governors meet in May"],
        ["Pat Partner", "Red to Green", "Open", "Shared on 2 May"],
    ]

    # Owned in person: a partner of another organisation (of this locality or another), and even a colleague
    # at the same school, may neither open nor update it; it is not in their "My actions".
    same_locality_agency = factories.OrganisationFactory(kind=OrganisationKind.HEALTH, locality=world.locality)
    agency_partner = factories.UserFactory(role=Role.PARTNER, organisation=same_locality_agency)
    colleague = factories.UserFactory(role=Role.PARTNER, organisation=world.school)
    for who in (world.other_partner, agency_partner, colleague):
        other = client_for(who)
        assert other.get(f"/meetings/actions/{action.id}").status_code == 404
        assert post(other, f"/meetings/actions/{action.id}", _update(rag="red", note="Not mine")).status_code == 404
        assert other.get("/meetings/actions").soup.select("#open-actions tbody tr") == []
    assert count(MeetingActionChange) == 2
    assert fresh(MeetingAction, action.id).rag is Rag.GREEN


def _day_parts(day: date) -> tuple[int, int, int]:
    return day.day, day.month, day.year


def test_an_update_that_changes_nothing_is_an_error(client_for, world):
    action = _school_action(world)
    assert_error_page(
        post(client_for(Role.PARTNER), f"/meetings/actions/{action.id}", {"rag": "amber", "note": ""}),
        "Change the RAG status, whether it is done or the update, or go back",
    )
    assert count(MeetingActionChange) == 0


def test_my_actions_lists_what_i_own_across_meetings_with_the_overdue_first(client_for, world, factories):
    first = held_meeting(world, starts_at=ago(days=100))
    second = held_meeting(world)
    overdue = MeetingActionFactory(
        raised_at_meeting=first, owner_organisation_id=world.school.id, due_on=date.today() - timedelta(days=3)
    )
    later = MeetingActionFactory(
        raised_at_meeting=second, owner_organisation_id=world.school.id, due_on=date.today() + timedelta(days=20)
    )
    MeetingActionFactory(raised_at_meeting=second, owner_user_id=world.practitioner.id)  # not the partner's
    page = client_for(Role.PARTNER).get("/meetings/actions")
    rows = page.soup.select("#open-actions tbody tr")
    assert [r.select_one("th a")["href"] for r in rows] == [
        f"/meetings/actions/{overdue.id}",
        f"/meetings/actions/{later.id}",
    ]
    assert "Overdue" in rows[0].get_text() and "Overdue" not in rows[1].get_text()
    assert " ".join(page.soup.select_one("#summary").get_text().split()) == "2 open, 1 overdue."
    # The meeting page's action log shows the overdue one too, with the partner's link to update it.
    meeting_page = client_for(Role.PARTNER).get(f"/meetings/{second.id}")
    carried = meeting_page.soup.select_one("#actions-carried")
    assert "Overdue" in carried.get_text()
    assert carried.select_one(f"a[href='/meetings/actions/{overdue.id}']") is not None


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=UTC)


def test_the_owner_is_reminded_two_working_days_before_the_due_date_once(app, world, factories):
    colleague = factories.UserFactory(role=Role.PARTNER, organisation=world.school, locality=world.locality)
    meeting = held_meeting(world)
    # Due on Monday 8 March 2027: the reminder goes on Thursday 4 March, not before.
    action = MeetingActionFactory(
        raised_at_meeting=meeting, owner_organisation_id=world.school.id, due_on=date(2027, 3, 8)
    )
    MeetingActionFactory(
        raised_at_meeting=meeting, owner_organisation_id=world.school.id, due_on=date(2027, 3, 8), done_at=ago(days=1)
    )
    assert owners.reminder_day(date(2027, 3, 8)) == date(2027, 3, 4)
    assert run_jobs(_at(date(2027, 3, 3))) == 0
    assert run_jobs(_at(date(2027, 3, 4))) == 1
    assert run_jobs(_at(date(2027, 3, 5))) == 0  # once
    db.session.expire_all()
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert sorted(m.recipient for m in messages) == sorted([world.partner.email, colleague.email])
    assert all(f"/meetings/actions/{action.id}" in m.body_text for m in messages)
    assert all("8 March 2027" in m.body_text for m in messages)
