"""'You said, we did': a manager drafts, edits and publishes entries for a locality in their area or for
all localities; partners read the published ones for their locality and for all, filtered by theme;
another area's manager gets 404 on an entry and changes nothing; every change is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.common.roles import Role
from portal.extensions import db
from portal.feedback.models import Theme, YouSaidWeDid
from portal.models_base import utcnow
from tests.feedback_factories import YouSaidWeDidFactory
from tests.integration.feedback.conftest import audit_of
from tests.support.db import count, fresh
from tests.support.forms import assert_error_page, banner, post

YOU_SAID = "You did not always know who to call when the lead was away."
WE_DID = "Every request page now shows who covers for the lead today."


def shown(response) -> list[str]:
    assert response.status_code == 200
    return [
        card.select_one(".govuk-summary-list__value").get_text().strip()
        for card in response.soup.select("#entries .govuk-summary-card")
    ]


@pytest.fixture
def manager(client_for):
    return client_for(Role.MANAGER)


def entry_data(locality: str, **changes: str) -> dict[str, str]:
    data = {"theme": "reaching_a_manager", "locality": locality, "you_said": YOU_SAID, "we_did": WE_DID}
    data.update(changes)
    return data


def test_a_draft_is_hidden_until_published_then_partners_of_the_locality_read_it(manager, client_for, world):
    response = post(manager, "/feedback/you-said-we-did/new", entry_data(str(world.locality.id)))
    assert response.status_code == 302
    entry = db.session.scalar(select(YouSaidWeDid))
    assert response.headers["Location"] == f"/feedback/you-said-we-did/{entry.id}/edit"
    assert (entry.theme, entry.locality_id, entry.author_id, entry.published_at) == (
        Theme.REACHING_A_MANAGER,
        world.locality.id,
        world.manager.id,
        None,
    )
    partner = client_for(Role.PARTNER)
    assert shown(partner.get("/feedback/you-said-we-did")) == []
    drafts = manager.get("/feedback/you-said-we-did").soup.select_one("#drafts + ul")
    assert "Reaching a manager or cover" in drafts.get_text()

    assert post(manager, f"/feedback/you-said-we-did/{entry.id}/publish").status_code == 302
    assert fresh(YouSaidWeDid, entry.id).published_at is not None
    assert shown(partner.get("/feedback/you-said-we-did")) == [YOU_SAID]
    assert YOU_SAID in partner.get("/feedback").get_data(as_text=True)
    assert shown(client_for(world.other_partner).get("/feedback/you-said-we-did")) == []
    assert [a.action for a in audit_of("feedback.you_said_we_did_created")] == ["feedback.you_said_we_did_created"]
    assert [a.object_id for a in audit_of("feedback.you_said_we_did_published")] == [entry.id]

    again = post(manager, f"/feedback/you-said-we-did/{entry.id}/publish")
    assert again.status_code == 302
    assert "already published" in banner(manager.get(again.headers["Location"]))


def test_an_entry_for_all_localities_reaches_every_partner_and_the_theme_filter_works(client_for, world):
    YouSaidWeDidFactory(
        author=world.manager, locality=None, theme=Theme.RESPECT, you_said="All, respect", published_at=utcnow()
    )
    YouSaidWeDidFactory(
        author=world.manager,
        locality=world.locality,
        theme=Theme.COMMUNICATION,
        you_said="Ours, communication",
        published_at=utcnow(),
    )
    YouSaidWeDidFactory(
        author=world.other_manager, locality=world.other_locality, you_said="Theirs", published_at=utcnow()
    )
    ours, theirs = client_for(Role.PARTNER), client_for(world.other_partner)
    assert sorted(shown(ours.get("/feedback/you-said-we-did"))) == ["All, respect", "Ours, communication"]
    assert sorted(shown(theirs.get("/feedback/you-said-we-did"))) == ["All, respect", "Theirs"]
    assert shown(ours.get("/feedback/you-said-we-did?theme=communication")) == ["Ours, communication"]
    assert shown(ours.get("/feedback/you-said-we-did?theme=keeping_promises")) == []
    assert sorted(shown(client_for(Role.PRACTITIONER).get("/feedback/you-said-we-did"))) == [
        "All, respect",
        "Ours, communication",
    ]


def test_editing_keeps_the_entry_and_is_audited(manager, world):
    entry = YouSaidWeDidFactory(author=world.manager, locality=world.locality)
    page = manager.get(f"/feedback/you-said-we-did/{entry.id}/edit")
    assert page.soup.select_one("select[name=locality] option[selected]")["value"] == str(world.locality.id)
    response = post(manager, f"/feedback/you-said-we-did/{entry.id}/edit", entry_data("all", theme="respect"))
    assert response.status_code == 302
    changed = fresh(YouSaidWeDid, entry.id)
    assert (changed.theme, changed.locality_id, changed.we_did) == (Theme.RESPECT, None, WE_DID)
    assert [a.object_id for a in audit_of("feedback.you_said_we_did_updated")] == [entry.id]


def test_errors_and_identifiers_save_nothing(manager, world):
    response = post(
        manager, "/feedback/you-said-we-did/new", {"theme": "", "locality": "", "you_said": "", "we_did": ""}
    )
    assert_error_page(
        response,
        "Select a theme",
        "Select a locality in your area, or all localities",
        "Enter what partners said",
        "Enter what the service did",
    )
    named = post(manager, "/feedback/you-said-we-did/new", entry_data("all", we_did="We met Jayden Smith's school."))
    assert named.status_code == 200 and named.soup.title.get_text().startswith("Error: ")
    assert named.soup.find("input", attrs={"name": "confirm_identifiers"}) is not None
    # Each finding is shown by the field it was found in.
    said = post(manager, "/feedback/you-said-we-did/new", entry_data("all", you_said="Jayden Smith was not called."))
    assert_error_page(said, "Remove the name (Jayden Smith). Use initials instead")
    assert "Jayden Smith" in said.soup.find(id="you_said-error").get_text()
    assert said.soup.find(id="we_did-error") is None
    both = post(
        manager,
        "/feedback/you-said-we-did/new",
        entry_data("all", you_said="Jayden Smith was not called.", we_did="We rang Amara Okafor's school."),
    )
    assert "Jayden Smith" in both.soup.find(id="you_said-error").get_text()
    assert "Amara Okafor" in both.soup.find(id="we_did-error").get_text()
    outside = post(manager, "/feedback/you-said-we-did/new", entry_data(str(world.other_locality.id)))
    assert_error_page(outside, "Select a locality in your area, or all localities")
    assert count(YouSaidWeDid) == 0


def test_another_areas_manager_gets_404_and_changes_nothing(client_for, world):
    entry = YouSaidWeDidFactory(author=world.manager, locality=world.locality)
    other = client_for(world.other_manager)
    assert other.get(f"/feedback/you-said-we-did/{entry.id}/edit").status_code == 404
    assert post(other, f"/feedback/you-said-we-did/{entry.id}/edit", entry_data("all")).status_code == 404
    assert post(other, f"/feedback/you-said-we-did/{entry.id}/publish").status_code == 404
    assert other.get("/feedback/you-said-we-did/999999/edit").status_code == 404
    unchanged = fresh(YouSaidWeDid, entry.id)
    assert (unchanged.published_at, unchanged.locality_id, unchanged.theme) == (
        None,
        world.locality.id,
        Theme.WHAT_HAPPENS_NEXT,
    )
    assert audit_of("feedback.you_said_we_did_updated") == audit_of("feedback.you_said_we_did_published") == []
    # Nor does a draft of another area show among their drafts.
    assert client_for(world.other_manager).get("/feedback/you-said-we-did").soup.select_one("#drafts") is None


@pytest.mark.parametrize("role", [Role.PARTNER, Role.PRACTITIONER, Role.ADMIN])
def test_only_managers_write_entries(client_for, world, role):
    entry = YouSaidWeDidFactory(author=world.manager, locality=world.locality)
    client = client_for(role)
    assert post(client, "/feedback/you-said-we-did/new", entry_data("all")).status_code == 403
    assert post(client, f"/feedback/you-said-we-did/{entry.id}/publish").status_code == 403
    assert count(YouSaidWeDid) == 1
