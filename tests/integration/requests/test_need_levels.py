"""The level of need advised: each locality's own list, set by admins, with an optional link to its
threshold document; the practitioner records a level when closing; the partner sees it with the outcome."""

from __future__ import annotations

from sqlalchemy import select

from portal.common.roles import Role
from portal.directory.models import NeedLevel
from portal.extensions import db
from portal.requests.models import RequestStatus
from tests.integration.requests.conftest import audit_rows, text_of
from tests.support.forms import assert_error_page, post

CLOSE = {"outcome": "step_down_to_early_help", "outcome_summary": "Early help will contact the family."}


def _levels(client, locality_id: int) -> None:
    url = f"/localities/{locality_id}/levels-of-need"
    for name, description in [
        ("Level 1: universal", "Needs met by universal services"),
        ("Level 2: early help", "Additional needs met with early help"),
        ("Level 3: targeted", ""),
    ]:
        added = post(client, url, {"name": name, "description": description})
        assert added.status_code == 302, added.get_data(as_text=True)[:1500]


def test_an_admin_keeps_the_localitys_list_and_its_threshold_document(client_for, world):
    admin = client_for(Role.ADMIN)
    url = f"/localities/{world.locality.id}/levels-of-need"
    assert admin.get(url).soup.select_one("#no-need-levels") is not None
    _levels(admin, world.locality.id)
    assert_error_page(
        post(admin, url, {"name": "level 2: EARLY HELP"}), "Northfield already has a level called level 2: EARLY HELP"
    )
    assert_error_page(post(admin, url, {"name": " "}), "Enter the level's name")
    rows = [" ".join(r.get_text(" ").split()) for r in admin.get(url).soup.select("#need-levels tbody tr")]
    assert rows[0].startswith("Level 1: universal Needs met by universal services")
    assert len(rows) == 3 and all("Yes" in r for r in rows)
    assert db.session.scalars(select(NeedLevel.locality_id)).all() == [world.locality.id] * 3

    doc = f"/localities/{world.locality.id}/threshold-document"
    assert_error_page(post(admin, doc, {"url": "javascript:alert(1)"}), "Enter a link that starts with https://")
    saved = post(admin, doc, {"url": "https://www.example.org/continuum-of-need"})
    assert saved.status_code == 302
    assert "https://www.example.org/continuum-of-need" in text_of(admin.get(url), "#threshold-document")
    assert post(client_for(Role.MANAGER), url, {"name": "Level 4"}).status_code == 403


def test_closing_records_the_level_and_the_partner_sees_it_with_the_outcome(client_for, world, make_request):
    admin = client_for(Role.ADMIN)
    _levels(admin, world.locality.id)
    post(admin, f"/localities/{world.locality.id}/threshold-document", {"url": "https://www.example.org/con"})
    _, level_2, level_3 = db.session.scalars(select(NeedLevel).order_by(NeedLevel.position)).all()
    retire = post(admin, f"/localities/{world.locality.id}/levels-of-need/{level_3.id}/retired", {})
    assert retire.status_code == 302
    db.session.refresh(level_3)
    assert level_3.retired

    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    practitioner = client_for(Role.PRACTITIONER)
    page = practitioner.get(f"/requests/{req.id}/close")
    fieldset = page.soup.select_one("input[name=need_level_id]").find_parent("fieldset")
    assert fieldset.select_one("legend").get_text(strip=True) == "What level of need did you advise?"
    labels = [label.get_text(strip=True) for label in fieldset.select("label")]
    assert labels == ["Level 1: universal", "Level 2: early help"]  # the retired one is not offered
    assert fieldset.select_one("a")["href"] == "https://www.example.org/con"

    assert_error_page(post(practitioner, f"/requests/{req.id}/close", CLOSE), "Select the level of need you advised")
    # A level of another locality, or a retired one, is refused too.
    assert_error_page(
        post(practitioner, f"/requests/{req.id}/close", {**CLOSE, "need_level_id": str(level_3.id)}),
        "Select the level of need you advised",
    )
    closed = post(practitioner, f"/requests/{req.id}/close", {**CLOSE, "need_level_id": str(level_2.id)})
    assert closed.status_code == 302, closed.get_data(as_text=True)[:1500]
    db.session.refresh(req)
    assert req.status is RequestStatus.CLOSED and req.need_level_id == level_2.id
    assert audit_rows(req.id, "request.closed")[0].detail["need_level_id"] == level_2.id

    partner_page = client_for(Role.PARTNER).get(f"/requests/{req.id}")
    assert text_of(partner_page, "#need-level") == (
        "Level of need advised: Level 2: early help (Additional needs met with early help)."
        " Read the locality's threshold document."
    )
    assert partner_page.soup.select_one("#need-level a")["href"] == "https://www.example.org/con"

    # Retiring the level later leaves the closed request's level as it was.
    post(admin, f"/localities/{world.locality.id}/levels-of-need/{level_2.id}/retired", {})
    assert "Level 2: early help" in text_of(client_for(Role.PARTNER).get(f"/requests/{req.id}"), "#need-level")


def test_a_locality_without_a_list_closes_without_a_level(client_for, world, make_request):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    practitioner = client_for(Role.PRACTITIONER)
    assert practitioner.get(f"/requests/{req.id}/close").soup.select("input[name=need_level_id]") == []
    assert post(practitioner, f"/requests/{req.id}/close", CLOSE).status_code == 302
    db.session.refresh(req)
    assert req.need_level_id is None
    assert client_for(Role.PARTNER).get(f"/requests/{req.id}").soup.select("#need-level") == []
