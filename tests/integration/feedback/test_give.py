"""Giving feedback: on a theme of the partners' own list with a 1–5 rating; anonymous feedback really
keeps no author, organisation or request (the database refuses it too) and the managers' review never
shows who; a child's identifiers are caught before anything is saved; bad input loses nothing."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import IntegrityError

from portal.common.roles import Role
from portal.common.times import london_today
from portal.directory.models import OrganisationKind
from portal.extensions import db
from portal.feedback import services
from portal.feedback.models import Feedback, Theme
from tests.integration.feedback.conftest import all_feedback, audit_of, page_text
from tests.support.forms import assert_error_page, banner, post

LONDON = ZoneInfo("Europe/London")
TEXT = "The lead rang back the same afternoon, exactly when she said she would."


@pytest.fixture
def valid(world):
    """valid(**changes): a complete form, about the partner's own locality."""

    def make(**changes: str) -> dict[str, str]:
        data = {
            "theme": "keeping_promises",
            "rating": "4",
            "text": TEXT,
            "request_id": "",
            "locality_id": str(world.locality.id),
        }
        data.update(changes)
        return data

    return make


@pytest.fixture
def partner(client_for):
    return client_for(Role.PARTNER)


def test_the_form_offers_the_partners_themes_and_ratings_in_words(partner, world, make_request):
    mine = make_request()
    theirs = make_request(organisation=world.other_school, created_by=world.other_partner)
    page = partner.get("/feedback/new")

    assert page.status_code == 200
    themes = [
        " ".join(label.get_text().split())
        for label in page.soup.select("#theme ~ .govuk-radios label, .govuk-radios label")
    ]
    for theme in Theme:
        assert theme.label in themes
    assert "1 – Very poor" in themes and "5 – Very good" in themes
    offered = {o["value"]: o.get_text() for o in page.soup.select("select[name=request_id] option")}
    assert offered[str(mine.id)] == f"{mine.reference} – {mine.kind.label}"
    assert str(theirs.id) not in offered
    assert "KM" not in " ".join(offered.values())  # never the child's details
    selected = page.soup.select_one("select[name=locality_id] option[selected]")
    assert selected is not None and selected["value"] == str(world.locality.id)
    assert "Staff will not see your name or your organisation" in page_text(page)


def test_named_feedback_keeps_the_author_and_organisation(valid, partner, world, make_request):
    req = make_request()
    response = post(partner, "/feedback/new", valid(request_id=str(req.id), theme="communication", rating="5"))

    assert response.status_code == 302 and response.headers["Location"] == "/feedback"
    [row] = all_feedback()
    assert (row.theme, row.rating, row.text, row.anonymous) == (Theme.COMMUNICATION, 5, TEXT, False)
    assert (row.author_id, row.organisation_id, row.request_id) == (world.partner.id, world.school.id, req.id)
    assert (row.organisation_kind, row.locality_id) == (OrganisationKind.SCHOOL, world.locality.id)
    [audit] = audit_of("feedback.given")
    assert (audit.actor_id, audit.object_id) == (world.partner.id, row.id)
    index = partner.get("/feedback")
    assert TEXT in index.soup.select_one("#given").get_text()
    assert "sent" in banner(index)


def test_anonymous_feedback_stores_no_author_organisation_or_request(
    valid, partner, client_for, world, make_request, factories
):
    req = make_request()
    response = post(
        partner,
        "/feedback/new",
        valid(request_id=str(req.id), locality_id=str(world.other_locality.id), anonymous="y", rating="2"),
    )

    assert response.status_code == 302
    [row] = all_feedback()
    assert row.anonymous is True
    assert (row.author_id, row.organisation_id, row.request_id) == (None, None, None)
    assert (row.organisation_kind, row.locality_id, row.rating) == (OrganisationKind.SCHOOL, world.locality.id, 2)
    # Kept to the day: the exact moment could be matched with who was signed in.
    assert row.created_at == datetime.combine(london_today(), time(0), tzinfo=LONDON)
    [audit] = audit_of("feedback.given")
    assert (audit.actor_id, audit.ip_address, audit.object_id) == (None, None, row.id)
    assert audit.at == row.created_at  # the audit row keeps no more of the time than the feedback does
    assert "anonymously" in banner(partner.get("/feedback"))
    assert partner.get("/feedback").soup.select_one("#given") is None

    review = client_for(Role.MANAGER).get("/feedback/review")
    assert review.status_code == 200
    [cell] = review.soup.select("#review tbody tr td.portal-from")
    assert cell.get_text(" ", strip=True).startswith("Anonymous")
    shown = page_text(review)
    assert TEXT in shown
    for secret in (world.partner.name, world.school.name, world.partner.email, req.reference):
        assert secret not in shown


def test_the_database_refuses_anonymous_feedback_that_names_its_author_or_request(world, make_request):
    db.session.add(
        Feedback(
            theme=Theme.RESPECT,
            rating=3,
            anonymous=True,
            author_id=world.partner.id,
            organisation_kind=OrganisationKind.SCHOOL,
            locality_id=world.locality.id,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # Nor linked to a request: a request names its school.
    db.session.add(
        Feedback(
            theme=Theme.RESPECT,
            rating=3,
            anonymous=True,
            request_id=make_request().id,
            organisation_kind=OrganisationKind.SCHOOL,
            locality_id=world.locality.id,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(Feedback(theme=Theme.RESPECT, rating=6, organisation_kind=OrganisationKind.SCHOOL))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_childs_name_is_caught_and_nothing_is_saved_until_confirmed(valid, partner):
    named = "Jayden Smith in Year 4 was spoken to kindly. The lead listened."
    response = post(partner, "/feedback/new", valid(text=named, anonymous="y"))

    assert_error_page(response, "Remove the name (Jayden Smith). Use initials instead")
    assert all_feedback() == []
    assert response.soup.find("textarea", attrs={"name": "text"}).get_text().strip() == named
    assert response.soup.find("input", attrs={"name": "anonymous"}).has_attr("checked")
    assert response.soup.find("input", attrs={"name": "confirm_identifiers"}) is not None

    response = post(partner, "/feedback/new", valid(text=named, anonymous="y", confirm_identifiers="y"))
    assert response.status_code == 302
    [row] = all_feedback()
    assert row.text == named
    assert audit_of("feedback.given")[0].detail["identifiers_confirmed"] is True


def test_an_empty_form_shows_every_error_and_saves_nothing(partner):
    response = post(partner, "/feedback/new", {"text": "", "locality_id": ""})
    assert_error_page(
        response, "Select what your feedback is about", "Select a rating from 1 to 5", "Enter your feedback"
    )
    assert all_feedback() == []


def test_what_was_typed_is_kept_when_a_choice_is_missing(valid, partner):
    response = post(partner, "/feedback/new", valid(theme="", rating="9"))
    assert_error_page(response, "Select what your feedback is about", "Select a rating from 1 to 5")
    assert response.soup.find("textarea", attrs={"name": "text"}).get_text().strip() == TEXT
    assert all_feedback() == []


def test_another_schools_request_cannot_be_chosen(valid, partner, world, make_request):
    theirs = make_request(organisation=world.other_school, created_by=world.other_partner)
    response = post(partner, "/feedback/new", valid(request_id=str(theirs.id)))
    assert_error_page(response, "Select one of your organisation's requests")
    assert all_feedback() == []


def test_the_services_refusal_is_shown_by_the_field_it_is_about(valid, partner, world, make_request, monkeypatch):
    """The form offers a list; the service enforces the rule. Were the list to offer another school's
    request, the service's refusal is shown by the request field, not by the feedback text."""
    theirs = make_request(organisation=world.other_school, created_by=world.other_partner)
    monkeypatch.setattr(services, "requests_to_choose", lambda user: [theirs])
    response = post(partner, "/feedback/new", valid(request_id=str(theirs.id)))

    assert_error_page(response, "Select one of your organisation's requests")
    assert "Select one of your organisation's requests" in response.soup.find(id="request_id-error").get_text()
    assert response.soup.find(id="text-error") is None
    assert [a["href"] for a in response.soup.select(".govuk-error-summary__list a")] == ["#request_id"]
    assert all_feedback() == []


def test_staff_cannot_give_partner_feedback(valid, client_for):
    response = post(client_for(Role.PRACTITIONER), "/feedback/new", valid())
    assert response.status_code == 403
    assert all_feedback() == []
