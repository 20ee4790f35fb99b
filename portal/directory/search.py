"""Forgiving school search: "St Clares", "all saints coalville", a URN or a postcode.

The index is held in memory per process and rebuilt when the organisation table changes (its row
count or latest update time moves), so a search touches the database for one cheap aggregate and
the handful of rows it returns. Matching works on normalised words: case, punctuation and
apostrophes are dropped, a trailing "s" is folded ("saints" ≈ "saint", "clare's" ≈ "clares" ≈
"clare"), and common words ("school", "primary", "the") count for little. Each query word may match
a whole word, the start of a word, two words typed as one ("broomleys"), one word typed as two
("de lisle"), or — when nothing else does — a word one typo away ("desfrod", "castel").

A word found in a school's name counts for more than one found only in its town, and a word matched
by its start never counts for more than the word typed in full would, so "castle rock" ranks Castle
Rock High School above a Rock school in Castleford. Schools that match every query word come first;
among equal scores, the name closest to the query as typed (word order included) wins.

Per-query work is done on sets of ids (intersections and unions run in C), so its cost follows the
number of distinct scores, not the number of schools that share a common word like "primary".
"""

from __future__ import annotations

import bisect
import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain, islice, pairwise

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

_WORD = re.compile(r"[a-z0-9]+")
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})?$")
# Words so common in school names that matching them alone says little.
_WEAK = frozenset(
    [
        "school",
        "schools",
        "primary",
        "academy",
        "the",
        "of",
        "and",
        "c",
        "e",
        "ce",
        "church",
        "england",
        "infant",
        "infants",
        "junior",
        "juniors",
        "college",
        "high",
        "community",
        "st",
        "saint",
        "saints",
    ]
)
TOWN_FACTOR = 0.8  # a word found only in the town says less than one in the name
PREFIX_QUALITY = 0.85  # "castl" → "castle"
SHORT_PREFIX_QUALITY = 0.5  # "ca" → "castle"
JOIN_QUALITY = 0.95  # "de lisle" → "delisle"
SPLIT_QUALITY = 0.9  # "broomleys" → "broom" + "leys"
TYPO_QUALITY = 0.6  # "desfrod" → "desford"
MAX_PREFIX_WORDS = 200
CLOSENESS_LIMIT = 200  # equal-score groups larger than this are cut to their shortest names before fuzzy matching


def fold(word: str) -> str:
    # "saints" → "saint"; words of three letters or fewer are kept as typed ("cs", "bus").
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def raw_words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("'", "").replace("\u2019", ""))


def words(text: str) -> list[str]:
    return [fold(w) for w in raw_words(text)]


def normalise_postcode(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def outward_code(postcode: str) -> str:
    """The outward code of a normalised full postcode ("LE672HY" → "LE67"); the inward code is always 3 characters."""
    return postcode[:-3] if len(postcode) > 3 else postcode


Row = tuple[int, str, int | None, str, str]  # id, name, urn, postcode, town

# One way a query word matches: (weight, ids). Weights already include match quality and name/town.
Tier = tuple[float, set[int]]

_EMPTY: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Entry:
    id: int
    name: str
    urn: int | None
    postcode: str  # normalised, no space
    words: tuple[str, ...]  # name and town words
    name_words: tuple[str, ...]


@dataclass
class SearchIndex:
    entries: dict[int, Entry] = field(default_factory=dict)
    name_postings: dict[str, set[int]] = field(default_factory=dict)  # word → ids with it in the name
    town_postings: dict[str, set[int]] = field(default_factory=dict)  # word → ids with it only in the town
    vocabulary: list[str] = field(default_factory=list)
    by_urn: dict[int, int] = field(default_factory=dict)
    by_postcode: dict[str, list[int]] = field(default_factory=dict)
    by_outward: dict[str, list[int]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    df: dict[str, int] = field(default_factory=dict)
    order: dict[int, int] = field(default_factory=dict)  # id → rank by (name length in words, name)
    ordered_ids: list[int] = field(default_factory=list)  # ids by that rank

    @classmethod
    def build(cls, rows: Iterable[Row]) -> SearchIndex:
        index = cls()
        for org_id, name, urn, postcode, town in rows:
            name_words = tuple(words(name))
            town_words = tuple(words(town or ""))
            entry = Entry(org_id, name, urn, normalise_postcode(postcode or ""), name_words + town_words, name_words)
            index.entries[org_id] = entry
            for w in set(name_words):
                index.name_postings.setdefault(w, set()).add(org_id)
            for w in set(town_words) - set(name_words):
                index.town_postings.setdefault(w, set()).add(org_id)
            if urn is not None:
                index.by_urn[urn] = org_id
            if entry.postcode:
                index.by_postcode.setdefault(entry.postcode, []).append(org_id)
                index.by_outward.setdefault(outward_code(entry.postcode), []).append(org_id)
        vocabulary = set(index.name_postings) | set(index.town_postings)
        index.vocabulary = sorted(vocabulary)
        total = max(len(index.entries), 1)
        for w in vocabulary:
            index.df[w] = len(index.name_postings.get(w, _EMPTY)) + len(index.town_postings.get(w, _EMPTY))
            index.idf[w] = math.log(1 + total / index.df[w]) * (0.3 if w in _WEAK else 1.0)
        ranked = sorted(index.entries.values(), key=lambda e: (len(e.name_words), e.name.lower(), e.id))
        index.order = {e.id: rank for rank, e in enumerate(ranked)}
        index.ordered_ids = [e.id for e in ranked]
        for ids in chain(index.by_postcode.values(), index.by_outward.values()):
            ids.sort(key=index.order.__getitem__)
        return index

    # --- matching one query word --------------------------------------------------------------------

    def _word_tiers(self, word: str, weight: float) -> list[Tier]:
        tiers: list[Tier] = []
        if word in self.name_postings:
            tiers.append((weight, self.name_postings[word]))
        if word in self.town_postings:
            tiers.append((weight * TOWN_FACTOR, self.town_postings[word]))
        return tiers

    def _prefixed(self, word: str) -> list[str]:
        start = bisect.bisect_left(self.vocabulary, word)
        found = []
        for candidate in self.vocabulary[start : start + MAX_PREFIX_WORDS + 1]:
            if not candidate.startswith(word):
                break
            if candidate != word:
                found.append(candidate)
        return found

    def _split(self, word: str) -> list[Tier]:
        """ "broomleys" → schools with both "broom" and "ley"."""
        tiers: list[Tier] = []
        for i in range(2, len(word) - 1):
            head, tail = word[:i], word[i:]
            tail = tail if tail in self.idf else fold(tail)
            if head in self.idf and tail in self.idf:
                weight = SPLIT_QUALITY * max(self.idf[head], self.idf[tail])
                in_name = set(self.name_postings.get(head, _EMPTY)) & self.name_postings.get(tail, _EMPTY)
                elsewhere = (self._anywhere(head) & self._anywhere(tail)) - in_name
                if in_name:
                    tiers.append((weight, in_name))
                if elsewhere:
                    tiers.append((weight * TOWN_FACTOR, elsewhere))
        return tiers

    def _anywhere(self, word: str) -> set[int]:
        return set(self.name_postings.get(word, _EMPTY)) | self.town_postings.get(word, _EMPTY)

    def _typos(self, word: str) -> list[str]:
        """Index words one edit (or one swap of neighbouring letters) away from `word`."""
        matches = process.extract(word, self.vocabulary, scorer=OSA.distance, score_cutoff=1, limit=None)
        return [candidate for candidate, _, _ in matches]

    def _tiers(self, word: str, *, joined: list[str]) -> list[Tier]:
        """The ways `word` matches, best first. `joined` are index words this word forms with a neighbour."""
        tiers: list[Tier] = []
        exact = word in self.idf
        if exact:
            tiers += self._word_tiers(word, self.idf[word])
        for j in joined:
            tiers += self._word_tiers(j, JOIN_QUALITY * self.idf[j])
        # A short word that is a word in its own right ("st", "c") is not also the start of others.
        if len(word) >= 3 or not exact:
            prefixed = self._prefixed(word)
            if prefixed:
                quality = PREFIX_QUALITY if len(word) >= 3 else SHORT_PREFIX_QUALITY
                # Matching the start of a word is never worth more than the word typed in full would be.
                total = sum(self.df[c] for c in prefixed) + (self.df[word] if exact else 0)
                ceiling = math.log(1 + len(self.entries) / total)
                ceiling = min(ceiling, self.idf[word]) if exact else ceiling
                for candidate in prefixed:
                    tiers += self._word_tiers(candidate, quality * min(self.idf[candidate], ceiling))
        if not tiers and len(word) >= 5:
            tiers = self._split(word)
        if not tiers and len(word) >= 4:
            for candidate in self._typos(word):
                tiers += self._word_tiers(candidate, TYPO_QUALITY * self.idf[candidate])
        return _merge_tiers(tiers)

    # --- the search ---------------------------------------------------------------------------------

    def search(self, query: str, *, limit: int = 20) -> list[int]:
        """Organisation ids for `query`, best first."""
        query = query.strip()
        if not query:
            return []
        compact = normalise_postcode(query)
        if compact.isdigit():
            hit = self.by_urn.get(int(compact))
            if hit is not None:
                return [hit]
        match = POSTCODE.match(query.upper())
        if match and any(ch.isdigit() for ch in compact):
            # A full postcode finds its schools; one we do not know, or an outward code alone, the area's.
            hits = self.by_postcode.get(compact, []) if match.group(2) else []
            hits = hits or self.by_outward.get(match.group(1), [])
            if hits:
                return hits[:limit]
        return self._search_words(query, limit=limit)

    def _search_words(self, query: str, *, limit: int) -> list[int]:
        raw = list(dict.fromkeys(raw_words(query)))
        query_words = list(dict.fromkeys(fold(w) for w in raw))
        if not query_words:
            return []
        joins: dict[str, list[str]] = {w: [] for w in query_words}
        for first, second in pairwise(raw):
            joined = fold(first + second)
            if joined in self.idf:
                joins[fold(first)].append(joined)
                joins[fold(second)].append(joined)
        terms = [t for t in (self._tiers(w, joined=joins[w]) for w in query_words) if t]
        if not terms:
            return []

        matching = [set().union(*(ids for _, ids in tiers)) for tiers in terms]
        candidates = set.intersection(*sorted(matching, key=len))
        if not candidates:
            # No school matches every word: take those that match the most.
            counts = Counter(chain.from_iterable(matching))
            need = max(counts.values())
            candidates = {org_id for org_id, n in counts.items() if n == need}

        groups = _score(candidates, terms)
        phrase = " ".join(query_words)
        results: list[int] = []
        for _, members in sorted(groups.items(), reverse=True):
            room = limit - len(results)
            if room <= 0:
                break
            cut = max(CLOSENESS_LIMIT, room)
            if len(members) > cut:
                # Only common words matched ("primary school"); the shortest names are the closest anyway.
                ids = list(islice(filter(members.__contains__, self.ordered_ids), cut))
            else:
                ids = list(members)
            results += self._closest(phrase, ids)[:room]
        return results

    def _closest(self, phrase: str, ids: list[int]) -> list[int]:
        """`ids` (all equally scored) with the names closest to the query as typed first."""

        def key(org_id: int) -> tuple[float, int]:
            return (-fuzz.partial_ratio(phrase, " ".join(self.entries[org_id].name_words)), self.order[org_id])

        return sorted(ids, key=key)


def _merge_tiers(tiers: list[Tier]) -> list[Tier]:
    """Tiers with the same weight made one, best first; each id kept only in its best tier."""
    by_weight: dict[float, list[set[int]]] = {}
    for weight, ids in tiers:
        by_weight.setdefault(round(weight, 3), []).append(ids)
    merged: list[Tier] = []
    seen: set[int] = set()
    for weight in sorted(by_weight, reverse=True):
        ids = set().union(*by_weight[weight])
        ids -= seen
        if ids:
            merged.append((weight, ids))
            seen |= ids
    return merged


def _score(candidates: set[int], terms: list[list[Tier]]) -> dict[float, set[int]]:
    """Candidates grouped by score: each word adds the weight of the best way it matches them.

    The groups are refined word by word with set operations, so the work follows the number of
    distinct scores rather than the number of candidates."""
    groups: dict[float, set[int]] = {0.0: set(candidates)}
    for tiers in terms:
        refined: dict[float, set[int]] = {}
        for score, members in groups.items():
            rest = set(members)
            for weight, ids in tiers:
                hit = rest & ids
                if hit:
                    key = round(score + weight, 3)
                    refined[key] = refined[key] | hit if key in refined else hit
                    rest -= hit
                    if not rest:
                        break
            if rest:
                refined[score] = refined[score] | rest if score in refined else rest
        groups = refined
    return groups


class IndexCache:
    """One index per process, rebuilt when the data's fingerprint changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fingerprint: object = None
        self._index = SearchIndex()

    def current(self, fingerprint: object, loader: Callable[[], Iterable[Row]]) -> SearchIndex:
        if fingerprint == self._fingerprint:
            return self._index
        with self._lock:
            if fingerprint != self._fingerprint:
                self._index = SearchIndex.build(loader())
                self._fingerprint = fingerprint
        return self._index
