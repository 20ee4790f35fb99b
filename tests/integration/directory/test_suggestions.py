"""The school search's suggestions (JSON, for the autocomplete): the best matches with where they are and
their page; nothing for a search the form would refuse."""

from __future__ import annotations

import pytest


def test_suggestions_name_the_school_where_it_is_and_its_page(client, world):
    response = client.get("/schools/suggestions?q=castle+rock")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    [first, *_] = response.get_json()["results"]
    assert first == {
        "name": "Castle Rock High School",
        "hint": ", ".join(p for p in (world.school.town, world.school.postcode) if p),
        "url": f"/organisations/{world.school.id}",
    }


@pytest.mark.parametrize("query", ["", "q=", "q=%20%20", "q=" + "x" * 101, "q=zzzzzz"])
def test_no_suggestions_for_a_search_the_form_refuses_or_that_matches_nothing(client, world, query):
    response = client.get(f"/schools/suggestions?{query}")
    assert response.status_code == 200
    assert response.get_json() == {"results": []}
