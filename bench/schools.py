"""Invented schools for the benchmarks: names, towns, postcodes and URNs shaped like the GIAS register's.

Nothing here is real data. Names are built the way English school names are (a saint or a church
dedication, a place, a feature of the landscape or a founder, then a type such as "C of E Primary
School"), so the search index sees the same mix of very common words ("st", "primary", "school") and
rarer ones as it would in production. A handful of fixed schools give the benchmark's queries known
targets.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SAINTS = [
    "Aidan", "Alban", "Andrew", "Anne", "Augustine", "Barnabas", "Bartholomew", "Bede", "Benedict", "Bernadette",
    "Botolph", "Catherine", "Chad", "Clare", "Columba", "Cuthbert", "Dominic", "Dunstan", "Edmund", "Edward",
    "Francis", "Gabriel", "George", "Giles", "Helen", "Hilda", "Hugh", "James", "John", "Joseph", "Jude",
    "Kenelm", "Lawrence", "Leonard", "Luke", "Margaret", "Mark", "Martin", "Mary", "Matthew", "Michael",
    "Monica", "Nicholas", "Oswald", "Patrick", "Paul", "Peter", "Philip", "Pius", "Stephen", "Swithun",
    "Teresa", "Thomas", "Vincent", "Werburgh", "Wilfrid", "Winefride",
]  # fmt: skip
DEDICATIONS = [
    "All Saints", "Holy Trinity", "Holy Cross", "Holy Family", "Christ Church", "Sacred Heart", "Our Lady's",
    "English Martyrs'", "Good Shepherd", "Holy Rosary", "Emmanuel", "St Mary Magdalene", "St Peter and St Paul",
    "St Mary and St John", "Blessed Hugh Faringdon",
]  # fmt: skip
CHURCH_OF_ENGLAND_TYPES = [
    "C of E Primary School", "Church of England Primary School", "CE Primary Academy", "C of E Infant School",
    "C of E Junior School", "Primary School", "Infant School", "Junior School", "C of E Academy",
    "Church of England Academy", "Methodist Primary School",
]  # fmt: skip
CATHOLIC_TYPES = [
    "Catholic Primary School", "Catholic Voluntary Academy", "Catholic High School", "Catholic Academy",
    "Catholic College", "RC Primary School", "Catholic Infant School",
]  # fmt: skip
PLAIN_TYPES = [
    "Primary School", "Primary School", "Primary School", "Community Primary School", "Infant School",
    "Junior School", "Nursery and Infant School", "Primary Academy", "Academy", "High School", "Community College",
    "College", "School", "Church of England Academy", "Special School", "Free School",
]  # fmt: skip
TREES_AND_THINGS = [
    "Oak", "Ash", "Beech", "Elm", "Willow", "Hazel", "Birch", "Holly", "Rowan", "Cedar", "Castle", "Church", "Mill",
    "Brook", "Hill", "Green", "Meadow", "Wood", "Park", "Field", "Lark", "Fox", "Kings", "Queens", "Manor", "Abbey",
    "Priory", "Grange", "Hall", "Bridge", "Valley", "River", "Lake", "Stone", "Heath", "Moor", "Forest", "Orchard",
    "Spring", "Cherry", "Badger", "Kestrel", "Heron", "Swallow", "Bluebell", "Primrose", "Sunny", "Red", "White",
]  # fmt: skip
FEATURE_ENDINGS = [
    "field", "side", "lands", "wood", "brook", "hill", "croft", "mead", "dale", "gate", "view", "bank", "way",
    " Rock", " Grange", " Park", " Vale", " Lane", " Hill", " Road", " Street", " Meadows", " Fields", " Green",
    " End", " Farm", " Hall", " Cross", " Tree", " Rise",
]  # fmt: skip
FIRST_NAMES = [
    "Sir John", "Robert", "Thomas", "William", "Elizabeth", "Mary", "Charles", "Henry", "Anne", "Edith", "Florence",
    "Isaac", "Samuel", "Richard", "Lady Jane", "George", "Margaret", "Alderman", "Bishop", "Dame",
]  # fmt: skip
SURNAMES = [
    "Moore", "Smyth", "Beauchamp", "Rawlins", "Hastings", "Ferrers", "Cavell", "Newton", "Harrison", "Stokes",
    "Cooper", "Latimer", "Wyggeston", "Gateway", "Herrick", "Lancaster", "Babington", "Bosworth", "Humphrey Perkins",
    "Redmile", "Manners", "Grey", "Shenton", "Heathcote", "Fielding", "Martin", "Cross", "Roe", "Burton", "Dixie",
]  # fmt: skip
TOWN_STARTS = [
    "Ash", "Ald", "Bar", "Brad", "Brook", "Burn", "Cal", "Castle", "Chester", "Clay", "Coal", "Cot", "Craw", "Dun",
    "East", "Ful", "Glen", "Grant", "Had", "Hay", "Hex", "Hol", "Ick", "Kel", "King", "Lang", "Lea", "Long", "Lut",
    "Mal", "Mar", "Mel", "Mid", "New", "North", "Oak", "Ock", "Pen", "Ral", "Red", "Rother", "Salt", "Sand", "Shep",
    "South", "Stam", "Stan", "Stock", "Sut", "Thorn", "Tut", "Up", "Wal", "Wel", "West", "Whit", "Wick", "Win",
    "Wood", "Wy", "Bil", "Cos", "Enderby", "Glen", "Hug", "Kib", "Mount", "Quorn", "Rat", "Syston", "Thurn",
]  # fmt: skip
TOWN_ENDS = [
    "by", "ton", "ham", "field", "ford", "ley", "worth", "bury", "well", "wick", "thorpe", "stead", "borough",
    "minster", "ville", "mouth", "combe", "den", "hurst", "ing", "ston", "dale", "bridge", "wood", "don", "cote",
]  # fmt: skip
REAL_TOWNS = [
    "Coalville", "Ashby-de-la-Zouch", "Loughborough", "Hinckley", "Melton Mowbray", "Market Harborough",
    "Lutterworth", "Oakham", "Shepshed", "Whitwick", "Ibstock", "Oadby", "Wigston", "Blaby", "Syston", "Anstey",
    "Birstall", "Thurmaston", "Narborough", "Earl Shilton", "Measham", "Castle Donington", "Kegworth", "Uppingham",
]  # fmt: skip
AREAS = ["LE", "NG", "DE", "CV", "B", "LN", "PE", "NN", "S", "MK", "WS", "ST", "OX", "GL", "WR", "HR", "SY", "TF"]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters Royal Mail uses in the inward code
ESTABLISHMENT_TYPES = [
    "Community school", "Voluntary aided school", "Voluntary controlled school", "Foundation school",
    "Academy converter", "Academy sponsor led", "Free schools", "Community special school",
]  # fmt: skip
COMPASS = ["North", "South", "East", "West", "Central", "Rural", "Town"]


@dataclass(frozen=True)
class School:
    name: str
    urn: int
    postcode: str
    town: str
    district: str
    locality: str
    phase: str
    establishment_type: str


@dataclass(frozen=True)
class Town:
    name: str
    outward: str
    district: str
    locality: str


# Fixed schools the queries aim at: (name, town, postcode).
ANCHORS = [
    ("St Clare's Primary School", "Coalville", "LE67 3PB"),
    ("All Saints C of E Primary School", "Coalville", "LE67 4RT"),
    ("All Saints C of E Primary School", "Lutterworth", "LE17 4DU"),
    ("Castle Rock High School", "Coalville", "LE67 4BR"),
    ("Woodland Grange Primary School", "Oadby", "LE2 4RT"),
    ("Holy Cross Catholic Voluntary Academy", "Whitwick", "LE67 5DP"),
    ("Robert Smyth Academy", "Market Harborough", "LE16 7JG"),
]


def phase_of(name: str) -> str:
    if any(w in name for w in ("High", "College", "Academy")) and "Primary" not in name:
        return "Secondary"
    if "Special" in name:
        return "Not applicable"
    return "Primary"


def _postcode(rng: random.Random, outward: str) -> str:
    return f"{outward} {rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"


def make_towns(rng: random.Random, *, localities: int) -> list[Town]:
    """About three towns a locality; each town has its own outward postcode, so "LE67" finds a handful."""
    names = list(REAL_TOWNS)
    seen = set(names)
    while len(names) < localities * 3:
        name = rng.choice(TOWN_STARTS) + rng.choice(TOWN_ENDS)
        if rng.random() < 0.12:
            name = rng.choice(["Great ", "Little ", "Market ", "Upper ", "Lower ", "East ", "North "]) + name
        if name not in seen:
            seen.add(name)
            names.append(name)
    outwards = {"Coalville": "LE67", "Whitwick": "LE67", "Lutterworth": "LE17", "Oadby": "LE2"}
    used = set(outwards.values())
    locality_names: list[str] = []
    for i in range(localities):
        base = names[i]
        locality_names.append(base if i < len(REAL_TOWNS) else f"{base} {COMPASS[i % len(COMPASS)]}")
    towns = []
    for i, name in enumerate(names):
        outward = outwards.get(name)
        while outward is None or (outward in used and name not in outwards):
            outward = f"{rng.choice(AREAS)}{rng.randint(1, 99)}"
        used.add(outward)
        locality = locality_names[i % localities]
        district = f"{locality.split()[0]} District"
        towns.append(Town(name, outward, district, locality))
    # Whitwick sits in Coalville's locality, as in life.
    by_name = {t.name: t for t in towns}
    by_name["Whitwick"] = Town("Whitwick", "LE67", by_name["Coalville"].district, by_name["Coalville"].locality)
    return list(by_name.values())


def _name(rng: random.Random, town: Town) -> str:
    roll = rng.random()
    church_types = CATHOLIC_TYPES if rng.random() < 0.35 else CHURCH_OF_ENGLAND_TYPES
    if roll < 0.28:
        saint = rng.choice(SAINTS)
        return f"St {saint}{'' if saint.endswith('s') else chr(39) + 's'} {rng.choice(church_types)}"
    if roll < 0.40:
        return f"{rng.choice(DEDICATIONS)} {rng.choice(church_types)}"
    if roll < 0.50:
        return f"{town.name} {rng.choice(PLAIN_TYPES)}"
    if roll < 0.90:
        feature = rng.choice(TREES_AND_THINGS) + rng.choice(FEATURE_ENDINGS)
        return f"{feature} {rng.choice(PLAIN_TYPES)}"
    if roll < 0.97:
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {rng.choice(['Academy', 'School', 'College'])}"
    return f"The {rng.choice(SURNAMES)} {rng.choice(['School', 'Academy'])}"


def make_schools(count: int, *, localities: int = 150, seed: int = 2025) -> list[School]:
    """`count` invented schools (anchors first) with unique six-digit URNs, over `localities` localities."""
    rng = random.Random(seed)
    towns = make_towns(rng, localities=localities)
    by_name = {t.name: t for t in towns}
    # Big towns have many schools and villages one or two: a long-tailed spread, like the register.
    weights = [1.0 / (1 + i) ** 0.4 for i in range(len(towns))]
    urns = rng.sample(range(100_000, 1_000_000), count)
    schools: list[School] = []

    def school(name: str, town: Town, postcode: str) -> School:
        kind = rng.choice(ESTABLISHMENT_TYPES)
        return School(name, urns[len(schools)], postcode, town.name, town.district, town.locality, phase_of(name), kind)

    for name, town_name, postcode in ANCHORS[:count]:
        schools.append(school(name, by_name[town_name], postcode))
    while len(schools) < count:
        town = rng.choices(towns, weights)[0]
        schools.append(school(_name(rng, town), town, _postcode(rng, town.outward)))
    return schools
