"""The "find your locality lead" search page on a real database: the in-memory index follows the
organisation table as it changes."""

from __future__ import annotations

from portal.extensions import db
from tests.support.forms import assert_error_page


def result_names(client, query: str) -> list[str]:
    page = client.get("/schools", query_string={"q": query})
    assert page.status_code == 200
    return [a.get_text(strip=True) for a in page.soup.select(".portal-results a")]


def test_a_urn_or_postcode_finds_the_school(client, world, factories):
    school = factories.OrganisationFactory(
        name="St Clare's Primary School", urn=120008, postcode="LE67 2HY", town="Coalville", locality=world.locality
    )
    assert result_names(client, "120008") == [school.name]
    assert result_names(client, "le672hy") == [school.name]
    assert result_names(client, "St Clares")[0] == school.name


def test_gibberish_says_nothing_matched_and_how_to_search_instead(client, world):
    page = client.get("/schools", query_string={"q": "xqzvw"})
    assert page.soup.select(".portal-results a") == []
    assert "No schools or organisations match" in page.soup.get_text()


def test_the_index_follows_new_and_renamed_schools(client, world, factories):
    assert result_names(client, "desford") == []

    school = factories.OrganisationFactory(name="Desford Primary School", locality=world.locality)
    assert result_names(client, "desford") == ["Desford Primary School"]

    school.name = "Desford Community Primary School"
    db.session.commit()
    assert result_names(client, "desford") == ["Desford Community Primary School"]


def test_each_result_says_which_locality_the_school_is_in(client, world):
    page = client.get("/schools", query_string={"q": "castle rock"})
    first = page.soup.select_one(".portal-results__item")
    assert "Northfield locality" in first.get_text()


def test_a_blank_search_asks_for_a_name_instead_of_matching_nothing(client, world):
    for query in ("", "   "):
        page = client.get("/schools", query_string={"q": query})
        assert_error_page(page, "Enter a school name, URN or postcode")
        assert "No schools or organisations match" not in page.soup.get_text()


def test_back_from_a_result_keeps_the_search(client, world, factories):
    school = factories.OrganisationFactory(name="St Clare's Primary School", locality=world.locality)
    page = client.get("/schools", query_string={"q": "St Clares"})
    href = page.soup.select_one(".portal-results a")["href"]
    result = client.get(href)
    back = result.soup.select_one(".govuk-back-link")
    assert back.get_text(strip=True) == "Back to search results"
    assert back["href"] == "/schools?q=St+Clares"
    direct = client.get(f"/organisations/{school.id}")
    assert direct.soup.select_one(".govuk-back-link").get_text(strip=True) == "Back to search"


def test_the_front_door_and_its_out_of_hours_number_are_tel_links(client, world, app):
    page = client.get(f"/organisations/{world.school.id}")
    links = {a["href"]: a.get_text(strip=True) for a in page.soup.select('a[href^="tel:"]')}
    assert links["tel:01164960000"] == "0116 496 0000"
    assert (
        links[f"tel:{''.join(c for c in app.config['OUT_OF_HOURS_PHONE'] if c.isdigit())}"]
        == app.config["OUT_OF_HOURS_PHONE"]
    )
    assert links["tel:999"] == "999"
    warning = " ".join(page.soup.select_one(".govuk-warning-text").get_text().split())
    assert f"({world.locality.front_door_hours}); out of hours, call the emergency duty team on" in warning
