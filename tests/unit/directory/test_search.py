"""The school search, without a database: the seed paper's eleven schools hidden among a few thousand
invented ones that share their words ("St …", "All Saints …", "Castle …", "… Rock …"), so that a
result coming first means it was ranked first, not that it was the only match."""

from __future__ import annotations

import random

import pytest

from portal.directory.search import IndexCache, Row, SearchIndex

# The schools the seed paper names, as it spells them (id, name, URN, postcode, town).
SEED_SCHOOLS: list[Row] = [
    (1, "Desford Primary School", 120001, "LE9 9JH", "Desford"),
    (2, "All saint C of E Primary School", 120002, "LE67 3SE", "Coalville"),
    (3, "Hall Orchard", 120003, "LE12 8PJ", "Barrow upon Soar"),
    (4, "DeLisle College", 120004, "LE11 4SQ", "Loughborough"),
    (5, "Whitwick St John the Baptist Primary", 120005, "LE67 5AT", "Whitwick"),
    (6, "St Denys Infant School", 120006, "LE9 8GL", "Ibstock"),
    (7, "Broom Leys Primary School", 120007, "LE67 4DB", "Coalville"),
    (8, "St Clare's Primary School", 120008, "LE67 2HY", "Coalville"),
    (9, "Loughborough Sacred Heart", 120009, "LE11 2JH", "Loughborough"),
    (10, "Oakthorpe Primary school", 120010, "DE12 7QT", "Oakthorpe"),
    (11, "Castle Rock High School", 120011, "LE67 4BR", "Coalville"),
]
ID = {name: org_id for org_id, name, *_ in SEED_SCHOOLS}

# Near neighbours a real register has: same words in another order or town, one letter different.
NEIGHBOURS: list[Row] = [
    (101, "Rock Castle Primary", 130001, "NG1 1AA", "Nottingham"),
    (102, "Bosworth Academy", 130002, "LE9 9JL", "Desford"),  # in Desford, but not called it
    (103, "Orchard Hall Academy", 130003, "DE1 2AB", "Derby"),
    (104, "St Claire's Catholic Academy", 130004, "CV1 5XY", "Coventry"),
    (105, "St Clement's C of E Primary School", 130005, "NN1 3QR", "Northampton"),
    (106, "Clarendon Park Primary School", 130006, "LE2 3AD", "Leicester"),
    (107, "All Saints C of E Primary School", 130007, "LE17 4DU", "Lutterworth"),
    (108, "All Saints Church of England Primary School", 130008, "LE2 5TW", "Wigston"),
    (109, "Castle Donington College", 130009, "DE74 2LN", "Castle Donington"),
    (110, "Rock Hill Primary School", 130010, "DE74 2AA", "Castle Donington"),
    (111, "Whitwell Primary School", 130011, "CV2 1AB", "Coventry"),
    (112, "Broom Hill Junior School", 130012, "LE3 1AB", "Leicester"),
    (113, "Sacred Heart Catholic Voluntary Academy", 130013, "LE4 6AB", "Leicester"),
    (114, "St Dennis Primary School", 130014, "PE9 1AB", "Stamford"),
    (115, "Stonebank Primary School", 130015, "ST1 1AB", "Stoke-on-Trent"),
    (116, "Hugh Castle Academy", 130016, "LE67 9ZZ", "Coalville"),  # shares Coalville's outward code
    (117, "Swallow Rock Primary School", 130017, "WF10 1AB", "Castleford"),  # "castle" starts its town
    (118, "Lisle Marsden C of E Primary School", 130018, "LE65 1AB", "Ashby-de-la-Zouch"),
]

SAINTS = [
    "Mary's", "Peter's", "Paul's", "John's", "Andrew's", "Margaret's", "Joseph's", "Luke's", "Mark's",
    "Michael's", "Nicholas", "Patrick's", "Thomas", "Bartholomew's", "Helen's", "Edward's", "James'", "George's",
]  # fmt: skip
PLACES = [
    "Oak", "Ash", "Brook", "Hill", "Meadow", "Green", "Park", "Field", "Church", "Abbey", "Manor", "Grange",
    "Valley", "Elm", "Willow", "Heath", "Mill", "Orchard", "Hall", "Bridge", "Wood", "Stone", "Lark",
]  # fmt: skip
TYPES = [
    "Primary School", "Infant School", "Junior School", "C of E Primary School", "Church of England Primary School",
    "Catholic Primary School", "Academy", "College", "High School", "Community Primary School",
]  # fmt: skip
TOWNS = [
    "Leicester", "Hinckley", "Melton Mowbray", "Market Harborough", "Lutterworth", "Wigston", "Oadby", "Shepshed",
    "Ashby-de-la-Zouch", "Castle Donington", "Nottingham", "Derby", "Northampton", "Coventry", "Rugby", "Nuneaton",
    "Grantham", "Stamford", "Oakham", "Kettering",
]  # fmt: skip
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
OUTWARDS = ["LE2", "LE3", "LE4", "LE5", "LE10", "LE13", "LE16", "LE17", "LE18", "NG1", "DE1", "DE74", "CV1", "NN1"]


def distractors(count: int = 3000) -> list[Row]:
    """Invented schools that share the seed schools' common words, never one of their exact names."""
    rng = random.Random(20250327)  # noqa: S311 (invented test data, not cryptography)
    rows: list[Row] = []
    while len(rows) < count:
        roll = rng.random()
        if roll < 0.3:
            name = f"St {rng.choice(SAINTS)} {rng.choice(TYPES)}"
        elif roll < 0.45:
            name = f"All Saints {rng.choice(TYPES)}"
        elif roll < 0.55:
            name = f"Castle {rng.choice(PLACES)} {rng.choice(TYPES)}"
        elif roll < 0.65:
            name = f"{rng.choice(PLACES)} Rock {rng.choice(TYPES)}"
        elif roll < 0.7:
            name = f"Rock {rng.choice(PLACES)} {rng.choice(TYPES)}"
        else:
            name = f"{rng.choice(PLACES)}{rng.choice(['field', 'side', 'brook', ' Park', ' Lane'])} {rng.choice(TYPES)}"
        n = len(rows)
        inward = f"{rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
        postcode = f"{rng.choice(OUTWARDS)} {inward}"
        rows.append((1000 + n, name, 200000 + n, postcode, rng.choice(TOWNS)))
    return rows


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex.build(SEED_SCHOOLS + NEIGHBOURS + distractors())


@pytest.fixture(scope="module")
def names() -> dict[int, str]:
    return {org_id: name for org_id, name, *_ in SEED_SCHOOLS + NEIGHBOURS + distractors()}


def first(index: SearchIndex, names: dict[int, str], query: str) -> str:
    results = index.search(query)
    assert results, f"nothing found for {query!r}"
    return names[results[0]]


def test_the_distractors_really_compete(index: SearchIndex) -> None:
    # Without these, "first" would only mean "only".
    assert len(index.search("st", limit=1000)) > 500
    assert len(index.search("all saints", limit=1000)) > 300
    assert len(index.search("castle", limit=1000)) > 200
    assert len(index.search("rock", limit=1000)) > 200


@pytest.mark.parametrize("query", ["St Clares", "st clares", "St Clare's", "ST. CLARE’S", "st clare", "clares"])
def test_st_clares_is_found_however_the_apostrophe_is_typed(index, names, query) -> None:
    assert first(index, names, query) == "St Clare's Primary School"


@pytest.mark.parametrize("query", ["all saints coalville", "All Saints, Coalville", "all saint coalville"])
def test_all_saints_in_coalville_beats_all_saints_elsewhere(index, names, query) -> None:
    assert first(index, names, query) == "All saint C of E Primary School"


def test_all_saints_alone_lists_every_all_saints(index, names) -> None:
    results = [names[i] for i in index.search("all saints", limit=20)]
    assert len(results) == 20
    assert all(name.lower().startswith("all saint") for name in results)


@pytest.mark.parametrize(
    ("query", "school"),
    [
        ("castle rock", "Castle Rock High School"),
        ("Castle Rock High", "Castle Rock High School"),
        ("desford", "Desford Primary School"),
        ("hall orchard", "Hall Orchard"),
        ("delisle", "DeLisle College"),
        ("whitwick", "Whitwick St John the Baptist Primary"),
        ("st johns whitwick", "Whitwick St John the Baptist Primary"),
        ("st denys", "St Denys Infant School"),
        ("broom leys", "Broom Leys Primary School"),
        ("loughborough sacred heart", "Loughborough Sacred Heart"),
        ("oakthorpe", "Oakthorpe Primary school"),
        ("st clares coalville", "St Clare's Primary School"),
    ],
)
def test_each_seed_school_is_found_first_by_its_name(index, names, query, school) -> None:
    assert first(index, names, query) == school


@pytest.mark.parametrize(
    ("query", "school"),
    [
        ("castel rock", "Castle Rock High School"),  # two letters swapped
        ("desfrod", "Desford Primary School"),
        ("whitwik", "Whitwick St John the Baptist Primary"),  # a letter missing
        ("oakthorpe primery", "Oakthorpe Primary school"),  # a letter wrong
        ("broom leyes", "Broom Leys Primary School"),  # a letter too many
        ("loughbrough sacred heart", "Loughborough Sacred Heart"),
    ],
)
def test_one_typo_still_finds_the_school_first(index, names, query, school) -> None:
    assert first(index, names, query) == school


@pytest.mark.parametrize(
    ("query", "school"),
    [
        ("broomleys", "Broom Leys Primary School"),
        ("de lisle", "DeLisle College"),
        ("oak thorpe", "Oakthorpe Primary school"),
    ],
)
def test_words_run_together_or_split_apart_still_match(index, names, query, school) -> None:
    assert first(index, names, query) == school


def test_a_urn_finds_its_school_alone(index) -> None:
    assert index.search("120011") == [ID["Castle Rock High School"]]
    assert index.search(" 120008 ") == [ID["St Clare's Primary School"]]


def test_an_unknown_urn_finds_nothing(index) -> None:
    assert index.search("999999") == []


@pytest.mark.parametrize("query", ["LE67 2HY", "le67 2hy", "LE672HY", "le672hy", "  Le67   2hY  "])
def test_a_full_postcode_finds_its_school_in_any_case_or_spacing(index, query) -> None:
    assert index.search(query) == [ID["St Clare's Primary School"]]


def test_an_outward_code_finds_the_schools_in_it_and_no_others(index) -> None:
    in_le67 = {
        ID["All saint C of E Primary School"],
        ID["Whitwick St John the Baptist Primary"],
        ID["Broom Leys Primary School"],
        ID["St Clare's Primary School"],
        ID["Castle Rock High School"],
        116,
    }
    assert set(index.search("LE67")) == in_le67
    assert set(index.search("le67")) == in_le67
    # LE6 is an outward code of its own, not the start of LE67.
    assert not set(index.search("LE6")) & in_le67


def test_a_postcode_we_do_not_hold_falls_back_to_its_area(index) -> None:
    results = index.search("LE67 1ZZ")
    assert ID["St Clare's Primary School"] in results
    assert all(i in index.by_outward["LE67"] for i in results)


@pytest.mark.parametrize("query", ["xqzvw", "qwertyuiop", "zzzzzz qqqqqq", "!!!", "", "   ", "ZZ99 9ZZ"])
def test_gibberish_finds_nothing(index, query) -> None:
    assert index.search(query) == []


def test_results_are_ranked_best_first(index, names) -> None:
    results = [names[i] for i in index.search("castle rock")]
    assert results[0] == "Castle Rock High School"
    assert "Rock Castle Primary" in results
    assert results.index("Castle Rock High School") < results.index("Rock Castle Primary")
    # …and the other way round for the other name.
    results = [names[i] for i in index.search("rock castle")]
    assert results.index("Rock Castle Primary") < results.index("Castle Rock High School")


def test_a_word_in_the_name_counts_for_more_than_the_same_word_in_the_town(index, names) -> None:
    results = [names[i] for i in index.search("desford")]
    assert results[:2] == ["Desford Primary School", "Bosworth Academy"]


def test_a_whole_word_beats_a_longer_word_that_starts_with_it(index, names) -> None:
    # "st" is the word St, not the start of Stonebank; "rock" matches Rock before Rockingham-like words.
    assert not any(names[i].startswith("Stonebank") for i in index.search("st", limit=50))


def test_schools_matching_every_word_come_before_those_matching_some(index, names) -> None:
    results = [names[i] for i in index.search("sacred heart loughborough", limit=5)]
    assert results[0] == "Loughborough Sacred Heart"
    # A word that matches nothing does not stop the others from finding the school.
    assert first(index, names, "castle rock xqzvw") == "Castle Rock High School"


def test_limit_caps_the_results(index) -> None:
    assert len(index.search("primary school", limit=7)) == 7
    assert len(index.search("st", limit=1)) == 1


def test_the_same_query_gives_the_same_order_every_time(index) -> None:
    assert index.search("all saints") == index.search("all saints") == index.search("ALL SAINTS")


def test_an_empty_index_finds_nothing() -> None:
    assert SearchIndex.build([]).search("castle rock") == []
    assert SearchIndex().search("LE67 4BR") == []


# --- the per-process cache ------------------------------------------------------------------------


class CountingLoader:
    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.calls = 0

    def __call__(self) -> list[Row]:
        self.calls += 1
        return list(self.rows)


def test_the_cache_builds_once_while_the_fingerprint_is_unchanged() -> None:
    cache = IndexCache()
    loader = CountingLoader(SEED_SCHOOLS)
    first_index = cache.current((11, "2025-01-01"), loader)
    again = cache.current((11, "2025-01-01"), loader)
    assert loader.calls == 1
    assert again is first_index
    assert again.search("castle rock") == [ID["Castle Rock High School"]]


def test_the_cache_rebuilds_when_the_fingerprint_changes() -> None:
    cache = IndexCache()
    loader = CountingLoader(SEED_SCHOOLS)
    before = cache.current((11, "2025-01-01"), loader)
    assert before.search("rock castle primary")[0] != 101

    loader.rows = SEED_SCHOOLS + [(101, "Rock Castle Primary", 130001, "NG1 1AA", "Nottingham")]
    after = cache.current((12, "2025-01-02"), loader)
    assert loader.calls == 2
    assert after is not before
    assert after.search("rock castle primary")[0] == 101

    # An update that leaves the count alone still moves the latest update time.
    loader.rows = [(101, "Castle Rock Primary", 130001, "NG1 1AA", "Nottingham")] + SEED_SCHOOLS
    renamed = cache.current((12, "2025-01-03"), loader)
    assert loader.calls == 3
    assert renamed.entries[101].name == "Castle Rock Primary"
