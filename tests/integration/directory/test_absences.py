"""Recording and deleting absences: a practitioner for themselves, a manager for their locality's staff,
an admin for anyone; the cover is someone else; dates are checked the GOV.UK way."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal.common.models import AuditEvent
from portal.common.roles import Role
from portal.common.times import london_today as today
from portal.directory.models import StaffAbsence
from portal.extensions import db
from tests.support.db import count, row_counts
from tests.support.forms import assert_error_page, post, summary_links


def day_fields(name: str, when: date | tuple[str, str, str]) -> dict[str, list[str]]:
    parts = (str(when.day), str(when.month), str(when.year)) if isinstance(when, date) else when
    return {name: list(parts)}


def absence_data(user: Any, cover: Any, starts_on: Any, ends_on: Any) -> dict[str, Any]:
    return {
        "user_id": getattr(user, "id", user),
        "cover_id": getattr(cover, "id", cover),
        **day_fields("starts_on", starts_on),
        **day_fields("ends_on", ends_on),
    }


def audited(action: str, absence_id: int) -> list[tuple[int | None, dict[str, Any]]]:
    """(who, detail) of each `action` audit row about that absence."""
    db.session.expire_all()
    query = select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_type == "StaffAbsence", AuditEvent.object_id == absence_id
    )
    return [(event.actor_id, event.detail) for event in db.session.scalars(query)]


def absences() -> list[tuple[int, int, date, date]]:
    db.session.expire_all()
    return [
        (a.user_id, a.cover_id, a.starts_on, a.ends_on)
        for a in db.session.scalars(select(StaffAbsence).order_by(StaffAbsence.id))
    ]


# --- who may record whose absence -----------------------------------------------------------------


def test_a_practitioner_records_their_own_absence(client_for, world):
    client = client_for(Role.PRACTITIONER)
    form = client.get("/absences/new")
    # Only themselves to choose from.
    assert [o["value"] for o in form.soup.select("#user_id option")] == [str(world.practitioner.id)]

    start, end = today() + timedelta(days=1), today() + timedelta(days=3)
    response = post(client, "/absences/new", absence_data(world.practitioner, world.manager, start, end))

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/absences")
    assert absences() == [(world.practitioner.id, world.manager.id, start, end)]
    absence = db.session.scalars(select(StaffAbsence)).one()
    assert absence.created_by_id == world.practitioner.id
    assert audited("absence.recorded", absence.id) == [
        (world.practitioner.id, {"user_id": world.practitioner.id, "cover_id": world.manager.id})
    ]
    listed = client.get("/absences").soup.select_one("table tbody tr")
    assert "Lee Lead" in listed.th.get_text()
    assert "Max Manager" in listed.get_text()


def test_a_practitioner_cannot_record_someone_elses_absence(client_for, world, staff_in):
    colleague = staff_in(world.locality)
    client = client_for(Role.PRACTITIONER)
    before = row_counts()
    page = post(client, "/absences/new", absence_data(colleague, world.manager, today(), today()))
    assert_error_page(page, "Select who will be away from the list")
    assert row_counts() == before


def test_a_manager_records_absences_for_their_localitys_staff_only(client_for, world, staff_in):
    colleague = staff_in(world.locality, name="Col League")
    client = client_for(Role.MANAGER)
    away = {o.get_text() for o in client.get("/absences/new").soup.select("#user_id option")}
    assert {"Lee Lead", "Col League", "Max Manager"} <= away
    assert world.other_practitioner.name not in away

    response = post(client, "/absences/new", absence_data(colleague, world.practitioner, today(), today()))
    assert response.status_code == 302
    assert absences() == [(colleague.id, world.practitioner.id, today(), today())]

    before = row_counts()
    page = post(client, "/absences/new", absence_data(world.other_practitioner, world.manager, today(), today()))
    assert_error_page(page, "Select who will be away from the list")
    assert row_counts() == before


def test_an_admin_records_anyones_absence_with_anyone_covering(client_for, world):
    client = client_for(Role.ADMIN)
    response = post(
        client, "/absences/new", absence_data(world.other_practitioner, world.practitioner, today(), today())
    )
    assert response.status_code == 302
    assert absences() == [(world.other_practitioner.id, world.practitioner.id, today(), today())]


def test_a_partner_cannot_record_absences(client_for, world):
    client = client_for(Role.PARTNER)
    assert client.get("/absences/new").status_code == 403
    before = row_counts(skip=("audit_event",))  # the refusals are audited
    response = post(client, "/absences/new", absence_data(world.practitioner, world.manager, today(), today()))
    assert response.status_code == 403
    assert row_counts(skip=("audit_event",)) == before
    assert count(AuditEvent, AuditEvent.action == "absence.recorded") == 0


def test_partners_and_disabled_staff_cannot_cover(client_for, world, staff_in):
    from portal.models_base import utcnow

    gone = staff_in(world.locality, name="Gone Away", disabled_at=utcnow())
    client = client_for(Role.MANAGER)
    covers = {o.get_text().split(" (")[0] for o in client.get("/absences/new").soup.select("#cover_id option")}
    assert "Gone Away" not in covers
    assert world.partner.name not in covers
    for cover in (gone, world.partner):
        before = row_counts()
        page = post(client, "/absences/new", absence_data(world.practitioner, cover, today(), today()))
        assert_error_page(page, "Select who will cover from the list")
        assert row_counts() == before


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.MANAGER, Role.ADMIN])
def test_the_cover_is_chosen_from_the_staff_of_the_area_never_an_admin(client_for, world, role):
    client = client_for(role)
    options = client.get("/absences/new").soup.select("#cover_id option")
    covers = {o.get_text().split(" (")[0] for o in options if o["value"] != "0"}
    assert world.admin.name not in covers  # the system admin runs the system and answers no partner
    assert {world.practitioner.name, world.manager.name} <= covers
    if role is not Role.ADMIN:  # the other locality's staff are not theirs to name
        assert world.other_practitioner.name not in covers
        assert world.other_manager.name not in covers
    away, cover = world.practitioner, world.manager
    # Naming the admin anyway (a forged post) is refused, and nothing is saved.
    before = row_counts()
    page = post(client, "/absences/new", absence_data(away, world.admin, today(), today()))
    assert_error_page(page, "Select who will cover from the list")
    assert row_counts() == before
    # Someone from the list is accepted.
    post(client, "/absences/new", absence_data(away, cover, today(), today()))
    assert count(StaffAbsence, StaffAbsence.cover_id == cover.id) == 1


# --- what the form refuses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "changes", "errors"),
    [
        (
            Role.MANAGER,
            {"user_id": "0", "cover_id": "0", "starts_on": ["", "", ""], "ends_on": ["", "", ""]},
            {
                "Select who will be away": "#user_id",
                "Enter the first day away": "#starts_on-day",
                "Enter the last day away": "#ends_on-day",
                "Select who will cover": "#cover_id",
            },
        ),
        (
            Role.MANAGER,
            {"user_id": None, "cover_id": None, "starts_on": None, "ends_on": None},
            {
                "Select who will be away": "#user_id",
                "Enter the first day away": "#starts_on-day",
                "Enter the last day away": "#ends_on-day",
                "Select who will cover": "#cover_id",
            },
        ),
        (
            Role.PRACTITIONER,
            {"cover_id": "{self}"},
            {"Select someone other than the person who will be away": "#cover_id"},
        ),
        (
            Role.MANAGER,
            {"starts_on": "+5", "ends_on": "+4"},
            {"The last day away must be the same as or after the first day away": "#ends_on-day"},
        ),
        (
            Role.MANAGER,
            {"starts_on": ["27", "", "2026"]},
            {"The first day away must include a month": "#starts_on-day"},
        ),
        (
            Role.MANAGER,
            {"ends_on": ["", "", "2026"]},
            {"The last day away must include a day and month": "#ends_on-day"},
        ),
        (
            Role.MANAGER,
            {"starts_on": ["31", "2", "2026"]},
            {"The first day away must be a real date": "#starts_on-day"},
        ),
        (
            Role.MANAGER,
            {"starts_on": ["1", "13", "2026"], "ends_on": ["x", "y", "z"]},
            {
                "The first day away must be a real date": "#starts_on-day",
                "The last day away must be a real date": "#ends_on-day",
            },
        ),
        (
            Role.MANAGER,
            {"starts_on": ["1", "3", "26"]},
            {"The first day away must be a real date": "#starts_on-day"},
        ),
        (
            Role.MANAGER,
            {"starts_on": ["2026-03-01"]},
            {"The first day away must be a real date": "#starts_on-day"},
        ),
        (
            Role.MANAGER,
            {"user_id": "someone", "cover_id": "99999"},
            {"Select who will be away": "#user_id", "Select who will cover from the list": "#cover_id"},
        ),
    ],
    ids=[
        "empty",
        "missing",
        "cover-is-self",
        "ends-before-starts",
        "no-month",
        "no-day-or-month",
        "31-february",
        "month-13-and-letters",
        "two-digit-year",
        "one-box",
        "garbled-people",
    ],
)
def test_a_refused_absence_says_why_and_saves_nothing(client_for, world, who, changes, errors):
    client = client_for(who)
    data = absence_data(world.practitioner, world.manager, today() + timedelta(days=1), today() + timedelta(days=2))
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        elif value == "{self}":
            data[key] = world.practitioner.id
        elif isinstance(value, str) and value.startswith("+"):
            data.update(day_fields(key, today() + timedelta(days=int(value))))
        else:
            data[key] = value
    before = row_counts()

    page = post(client, "/absences/new", data)

    assert page.status_code == 200
    assert_error_page(page, *errors)
    assert summary_links(page) == errors
    assert row_counts() == before
    # What was typed is shown again, so it can be corrected.
    if isinstance(changes.get("starts_on"), list) and len(changes["starts_on"]) == 3:
        boxes = [page.soup.find(id=f"starts_on-{part}")["value"] for part in ("day", "month", "year")]
        assert boxes == changes["starts_on"]


def test_an_absence_may_be_a_single_day(client_for, world):
    client = client_for(Role.PRACTITIONER)
    response = post(client, "/absences/new", absence_data(world.practitioner, world.manager, today(), today()))
    assert response.status_code == 302
    assert absences() == [(world.practitioner.id, world.manager.id, today(), today())]


# --- deleting -------------------------------------------------------------------------------------


@pytest.fixture
def lead_absence(factories, world):
    return factories.StaffAbsenceFactory(
        user=world.practitioner, cover=world.manager, starts_on=today(), ends_on=today() + timedelta(days=1)
    )


@pytest.mark.parametrize("who", ["practitioner", "manager", "admin"])
def test_the_person_their_manager_or_an_admin_deletes_an_absence(client_for, world, lead_absence, who):
    client = client_for(getattr(world, who))
    absence_id = lead_absence.id
    page = client.get("/absences")
    assert page.soup.find("a", href=f"/absences/{absence_id}/delete") is not None
    response = post(client, f"/absences/{absence_id}/delete", {"confirm": "yes"})
    assert response.status_code == 302
    assert absences() == []
    assert audited("absence.deleted", absence_id) == [(getattr(world, who).id, {"user_id": world.practitioner.id})]


@pytest.mark.parametrize("who", ["other_manager", "other_practitioner"])
def test_no_one_else_can_delete_an_absence_or_see_it(client_for, world, lead_absence, who):
    client = client_for(getattr(world, who))
    assert "Lee Lead" not in client.get("/absences").soup.get_text()
    before = row_counts()
    response = post(client, f"/absences/{lead_absence.id}/delete", {"confirm": "yes"})
    assert response.status_code == 404
    assert row_counts() == before


def test_deleting_an_absence_that_is_gone_is_a_404(client_for, world, lead_absence):
    admin = client_for(Role.ADMIN)
    before = row_counts()
    assert post(admin, "/absences/999999/delete", {"confirm": "yes"}).status_code == 404
    assert row_counts() == before
