"""Forgiving school search: "St Clares", "all saints coalville", a URN or a postcode.

The index is held in memory per process and rebuilt when the organisation table changes (its row
count or latest update time moves), so a search touches the database for one cheap aggregate and
the handful of rows it returns. Matching works on normalised words: case, punctuation and
apostrophes are dropped, a trailing "s" is folded ("saints" ≈ "saint", "clare's" ≈ "clares" ≈
"clare"), and common words ("school", "primary", "the") count for little. Each query word may match
a whole word, the start of a word, or — when nothing else does — a word one typo away.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

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


def fold(word: str) -> str:
    # "saints" → "saint"; words of three letters or fewer are kept as typed ("cs", "bus").
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def words(text: str) -> list[str]:
    text = text.lower().replace("'", "").replace("\u2019", "")
    return [fold(w) for w in _WORD.findall(text)]


def normalise_postcode(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


Row = tuple[int, str, int | None, str, str]  # id, name, urn, postcode, town


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
    postings: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    vocabulary: list[str] = field(default_factory=list)
    by_urn: dict[int, int] = field(default_factory=dict)
    by_postcode: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    idf: dict[str, float] = field(default_factory=dict)

    @classmethod
    def build(cls, rows: Iterable[Row]) -> SearchIndex:
        index = cls()
        for org_id, name, urn, postcode, town in rows:
            name_words = tuple(words(name))
            entry = Entry(
                org_id, name, urn, normalise_postcode(postcode or ""), name_words + tuple(words(town or "")), name_words
            )
            index.entries[org_id] = entry
            for w in set(entry.words):
                index.postings[w].add(org_id)
            if urn is not None:
                index.by_urn[urn] = org_id
            if entry.postcode:
                index.by_postcode[entry.postcode].append(org_id)
        index.vocabulary = sorted(index.postings)
        total = max(len(index.entries), 1)
        index.idf = {
            w: math.log(1 + total / len(ids)) * (0.3 if w in _WEAK else 1.0) for w, ids in index.postings.items()
        }
        return index

    def _expand(self, word: str) -> dict[str, float]:
        """Index words that `word` may mean, with how well each matches (1 exact … 0.6 one typo)."""
        found: dict[str, float] = {}
        if word in self.postings:
            found[word] = 1.0
        start = bisect.bisect_left(self.vocabulary, word)
        for candidate in self.vocabulary[start : start + 200]:
            if not candidate.startswith(word):
                break
            found.setdefault(candidate, 0.85 if len(word) >= 3 else 0.5)
        if not found and len(word) >= 4:
            # A typo: same first letter, one edit away. The first letter keeps the scan small.
            lo = bisect.bisect_left(self.vocabulary, word[0])
            hi = bisect.bisect_left(self.vocabulary, chr(ord(word[0]) + 1))
            for candidate in self.vocabulary[lo:hi]:
                if abs(len(candidate) - len(word)) <= 1 and Levenshtein.distance(word, candidate, score_cutoff=1) <= 1:
                    found[candidate] = 0.6
        return found

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
        match = POSTCODE.match(query.upper().strip())
        if match and any(ch.isdigit() for ch in compact):
            if match.group(2):
                hits = self.by_postcode.get(compact, [])
            else:
                hits = [i for pc, ids in self.by_postcode.items() if pc[:-3] == compact for i in ids]
            if hits:
                return sorted(hits, key=lambda i: self.entries[i].name)[:limit]
        query_words = list(dict.fromkeys(words(query)))
        if not query_words:
            return []
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, int] = defaultdict(int)
        for word in query_words:
            best_for_org: dict[int, float] = {}
            for candidate, quality in self._expand(word).items():
                weight = quality * self.idf[candidate]
                for org_id in self.postings[candidate]:
                    if weight > best_for_org.get(org_id, 0.0):
                        best_for_org[org_id] = weight
            for org_id, weight in best_for_org.items():
                scores[org_id] += weight
                matched[org_id] += 1
        if not scores:
            return []
        # Every word should match; when none does, take those that match the most words.
        need = max(matched.values())
        ranked = [i for i in scores if matched[i] == need]

        # Closer wording (word order, whole phrase) breaks ties between equal word scores.
        ranked.sort(key=lambda i: -scores[i])
        shortlist = ranked[: limit * 5]
        phrase = " ".join(query_words)

        def key(org_id: int) -> tuple[float, float, int, str]:
            entry = self.entries[org_id]
            closeness = fuzz.partial_ratio(phrase, " ".join(entry.name_words))
            return (-round(scores[org_id], 3), -closeness, len(entry.name_words), entry.name)

        ranked = sorted(shortlist, key=key)
        return ranked[:limit]


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
