"""The identifier detector on the meetings' free text: the minutes (published to every partner of the
locality), the agenda (shown to every school), an action and an action's update. Text that looks as if it
identifies a child is not saved: the page says what to remove, by the field, and offers a box to confirm;
confirmed, it is saved and the audit row says so. Who will come to a meeting is adults' names, and is not
checked."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from portal.common.models import AuditEvent
from portal.common.roles import Role
from portal.extensions import db
from portal.meetings.models import MeetingAction, MeetingAnswer, MeetingInvitation, PartnershipMeeting, Rag
from tests.integration.meetings.conftest import audit_actions, held_meeting, schedule_data
from tests.meetings_factories import MeetingActionFactory, meeting_with_schools
from tests.support.db import count, fresh
from tests.support.forms import assert_error_page, post

NAMED = "Jayden Smith's attendance was discussed."
NAME_WARNING = "Remove the name (Jayden Smith). Use initials instead"


def _confirm_box(response: Any) -> Any:
    return response.soup.find("input", attrs={"name": "confirm_identifiers"})


def _audit(action: str) -> list[dict[str, Any]]:
    db.session.expire_all()
    return [e.detail for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))]


def _action_data(owner: str, **changes: Any) -> dict[str, Any]:
    due = date.today() + timedelta(days=30)
    data = {"text": "Share the guidance", "owner": owner, "due_on": [str(due.day), str(due.month), str(due.year)]}
    return {**data, "rag": "amber", **changes}


def test_minutes_naming_a_child_are_not_published_until_removed_or_confirmed(client_for, world):
    meeting = held_meeting(world)
    manager = client_for(Role.MANAGER)
    page = manager.get(f"/meetings/{meeting.id}/minutes")
    assert _confirm_box(page) is None  # offered only once something is found

    warned = post(manager, f"/meetings/{meeting.id}/minutes", {"minutes": NAMED, "publish": "y"})

    assert_error_page(warned, NAME_WARNING)
    assert _confirm_box(warned) is not None
    assert warned.soup.find("textarea", attrs={"name": "minutes"}).get_text().strip() == NAMED  # kept
    assert (fresh(PartnershipMeeting, meeting.id).minutes, meeting.minutes_published_at) == ("", None)
    assert audit_actions() == []

    saved = post(
        manager, f"/meetings/{meeting.id}/minutes", {"minutes": NAMED, "publish": "y", "confirm_identifiers": "y"}
    )

    assert saved.status_code == 302
    published = fresh(PartnershipMeeting, meeting.id)
    assert published.minutes == NAMED and published.minutes_published_at is not None
    assert _audit("meeting.minutes_published")[0]["identifiers_confirmed"] is True
    # Saved again unchanged, they are not asked about again.
    assert post(manager, f"/meetings/{meeting.id}/minutes", {"minutes": NAMED, "save": "y"}).status_code == 302


def test_a_draft_confirmed_is_checked_again_when_it_is_published(client_for, world):
    meeting = held_meeting(world)
    manager = client_for(Role.MANAGER)
    draft = {"minutes": "Born 14/03/2016, lives at LE67 3AB.", "save": "y", "confirm_identifiers": "y"}
    assert post(manager, f"/meetings/{meeting.id}/minutes", draft).status_code == 302

    warned = post(manager, f"/meetings/{meeting.id}/minutes", {"minutes": draft["minutes"], "publish": "y"})

    assert_error_page(warned, "Remove the date of birth (14/03/2016)")
    assert fresh(PartnershipMeeting, meeting.id).minutes_published_at is None


def test_clean_minutes_are_saved_without_a_question(client_for, world):
    meeting = held_meeting(world)
    minutes = {"minutes": "Attendance this term was discussed with Mrs Patel.", "publish": "y"}
    assert post(client_for(Role.MANAGER), f"/meetings/{meeting.id}/minutes", minutes).status_code == 302
    assert _audit("meeting.minutes_published")[0]["identifiers_confirmed"] is False


def test_an_action_with_an_nhs_number_is_not_logged_until_removed_or_confirmed(client_for, world):
    meeting = held_meeting(world)
    manager = client_for(Role.MANAGER)
    owner = f"user:{world.practitioner.id}"
    text = "Chase the health visitor about 943 476 5919"

    warned = post(manager, f"/meetings/{meeting.id}/actions/new", _action_data(owner, text=text))

    assert_error_page(warned, "Remove the NHS number (943 476 5919)")
    assert _confirm_box(warned) is not None
    assert count(MeetingAction) == 0

    saved = post(
        manager, f"/meetings/{meeting.id}/actions/new", _action_data(owner, text=text, confirm_identifiers="y")
    )

    assert saved.status_code == 302
    [action] = db.session.scalars(select(MeetingAction)).all()
    assert action.text == text
    assert _audit("meeting_action.added")[0]["identifiers_confirmed"] is True


def test_an_update_naming_a_child_is_not_saved_until_removed_or_confirmed(client_for, world):
    meeting = held_meeting(world)
    action = MeetingActionFactory(raised_at_meeting=meeting, owner_user_id=world.practitioner.id)
    manager = client_for(Role.MANAGER)
    url = f"/meetings/{meeting.id}/actions/{action.id}"

    warned = post(manager, url, {"rag": "green", "note": NAMED})

    assert_error_page(warned, NAME_WARNING)
    assert _confirm_box(warned) is not None
    unchanged = fresh(MeetingAction, action.id)
    assert (unchanged.rag, unchanged.update_note) == (Rag.AMBER, "")

    assert post(manager, url, {"rag": "green", "note": NAMED, "confirm_identifiers": "y"}).status_code == 302
    assert (fresh(MeetingAction, action.id).rag, fresh(MeetingAction, action.id).update_note) == (Rag.GREEN, NAMED)
    assert _audit("meeting_action.updated")[0]["identifiers_confirmed"] is True
    # The note confirmed before is not asked about again when only the RAG status changes.
    assert post(manager, url, {"rag": "red", "note": NAMED}).status_code == 302
    assert fresh(MeetingAction, action.id).rag is Rag.RED


def test_who_will_come_is_adults_names_and_is_not_checked(client_for, world):
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    meeting = meeting_with_schools(world.locality, [world.school], organiser=world.manager, starts_at=starts)
    answer = {"answer": "attending", "attendees": "Sarah Jones, head teacher; Jayden Smith, SENCO"}

    assert post(client_for(Role.PARTNER), f"/meetings/{meeting.id}/answer", answer).status_code == 302

    invitation = fresh(MeetingInvitation, meeting.invitations[0].id)
    assert (invitation.answer, invitation.attendees) == (MeetingAnswer.ATTENDING, answer["attendees"])


def test_an_agenda_naming_a_child_schedules_nothing_until_removed_or_confirmed(client_for, world):
    manager = client_for(Role.MANAGER)
    agenda = f"1. Welcome\n2. {NAMED}"

    warned = post(manager, "/meetings/schedule", schedule_data(agenda=agenda))

    assert_error_page(warned, NAME_WARNING)
    assert _confirm_box(warned) is not None
    assert warned.soup.find("textarea", attrs={"name": "agenda"}).get_text().strip() == agenda  # kept
    assert count(PartnershipMeeting) == 0
    assert audit_actions() == []

    saved = post(manager, "/meetings/schedule", schedule_data(agenda=agenda, confirm_identifiers="y"))

    assert saved.status_code == 302
    [meeting] = db.session.scalars(select(PartnershipMeeting)).all()
    assert meeting.agenda == agenda
    assert _audit("meeting.scheduled")[0]["identifiers_confirmed"] is True


def test_changing_the_agenda_to_name_a_child_changes_nothing_until_confirmed(client_for, world):
    manager = client_for(Role.MANAGER)
    assert post(manager, "/meetings/schedule", schedule_data()).status_code == 302
    [meeting] = db.session.scalars(select(PartnershipMeeting)).all()
    named = schedule_data(agenda=NAMED)

    warned = post(manager, f"/meetings/{meeting.id}/change", named)

    assert_error_page(warned, NAME_WARNING)
    assert (fresh(PartnershipMeeting, meeting.id).agenda, fresh(PartnershipMeeting, meeting.id).sequence) == (
        "1. Welcome\n2. The action log",
        0,
    )

    saved = post(manager, f"/meetings/{meeting.id}/change", {**named, "confirm_identifiers": "y"})

    assert saved.status_code == 302
    assert fresh(PartnershipMeeting, meeting.id).agenda == NAMED
    assert _audit("meeting.changed")[0]["identifiers_confirmed"] is True
