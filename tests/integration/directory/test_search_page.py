"""The "find your locality lead" search page on a real database: the in-memory index follows the
organisation table as it changes."""

from __future__ import annotations

from portal.extensions import db


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
