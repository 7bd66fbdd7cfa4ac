"""共性问题: open cases about the same thing in the same place, found together so they can be solved in one
batch.

How: each open case's request summary becomes a vector of its character bigrams (and, weighted lower, its
characters), weighted by TF-IDF (IDF over all open cases, so what every petition says — 要求, 村民 — weighs
little). Cases are compared only within one domain. Within one township every pair is compared: two cases are
linked when the cosine similarity of their summaries, plus a small bonus when they concern the same village,
reaches the threshold. Across townships of the domain, two cases are linked only when their requests are very
similar (``CROSS_TOWNSHIP_THRESHOLD``, well above the threshold within a township) — the same highway's traffic
noise reported from several townships is one matter; those pairs are found through an index of each vector's
rarest characters (prefix filtering: a pair that shares none of them cannot reach the threshold), so the work
stays near the number of similar pairs rather than the square of the domain's cases. A group is a connected set
of linked cases. Identical (normalised summary, place) pairs are compared once. No Qt, no model.

Place: the case's own village and township names are taken out of the text before comparing (place is
judged apart, not by shared characters). A request that names its own village (东岙村土地承包纠纷) is about
that village, so it is linked only with cases of the same village; a request that names no village (a
factory, a market, a housing estate, an employer) may be linked with cases from any village of the township —
the same market's noise reported from three villages is one common problem, three villages' land disputes
are three. Likewise a request that names its own township (横街镇新城小区) stays in that township; only a
request naming neither its village nor its township may join cases of other townships.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

DEFAULT_THRESHOLD = 0.3
CROSS_TOWNSHIP_THRESHOLD = 0.45
SAME_VILLAGE_BONUS = 0.1
# Digits, Latin letters, punctuation and spaces carry amounts and dates, not what the matter is about.
_NOISE = re.compile(r"[\s\d０-９A-Za-zＡ-Ｚａ-ｚ.,;:!?'\"()\[\]{}<>/\\\-_+=*&^%$#@~`|"
                    r"，。；：！？、“”‘’（）【】《》…—·]+")


@dataclass
class CommonProblem:
    """A group of open cases about one matter in one place (or, for very similar requests, in several
    townships)."""

    township: str  # the township most of the group's cases are in
    domain: str
    summary: str  # the request most of the group made, to name the group
    case_ids: list[str]
    villages: list[str] = field(default_factory=list)  # "镇名村名" when the group spans townships
    similarity: float = 0.0  # the lowest similarity among the group's linked pairs (1.0: identical requests)
    townships: list[str] = field(default_factory=list)  # every township the group spans, most cases first

    @property
    def size(self) -> int:
        return len(self.case_ids)

    def to_json(self) -> dict[str, object]:
        return {"township": self.township, "townships": self.townships or [self.township], "domain": self.domain,
                "summary": self.summary, "size": self.size, "villages": self.villages,
                "similarity": round(self.similarity, 3), "case_ids": self.case_ids}


def normalise(text: str) -> str:
    return _NOISE.sub("", text)


UNIGRAM_WEIGHT = 0.3


def grams(text: str) -> dict[str, float]:
    """The overlapping two-character pieces of the normalised text, plus its single characters at a lower
    weight. Bigrams carry the words (化工, 异味); single characters let a paraphrase (气味 / 异味) still share
    a little, without making every request about 子女 or 学校 alike."""
    text = normalise(text)
    counts: dict[str, float] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0.0) + UNIGRAM_WEIGHT
    for i in range(len(text) - 1):
        counts[text[i:i + 2]] = counts.get(text[i:i + 2], 0.0) + 1.0
    return counts


def _vector(counts: dict[str, float], idf: dict[str, float]) -> dict[str, float]:
    weights = {t: c * idf.get(t, 1.0) for t, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: w / norm for t, w in weights.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


class _Case(NamedTuple):
    case_id: str
    township: str
    village: str
    local: bool  # the request names its own village: it is about that village
    in_township: bool  # the request names its own village or township: it stays in that township
    text: str  # the request without place names, normalised
    summary: str  # the request as written


class _Links:
    """Union-find over the distinct texts of one domain."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def find_common_problems(conn: sqlite3.Connection, *, min_size: int = 3, threshold: float = DEFAULT_THRESHOLD,
                         cross_threshold: float = CROSS_TOWNSHIP_THRESHOLD) -> list[CommonProblem]:
    """Groups of at least ``min_size`` open cases, largest first."""
    rows = conn.execute("SELECT case_id, township, village, domain, request_summary FROM cases "
                        "WHERE finished = 0 ORDER BY case_id").fetchall()
    # Many requests read alike once the place is out: each distinct text is cut up and weighed once.
    texts = {r[0]: normalise(_without_place(r[4], r[1], r[2])) for r in rows}
    per_text = Counter(texts.values())
    features = {text: grams(text) for text in per_text}
    df: Counter[str] = Counter()
    for text, cases_with_it in per_text.items():
        for gram in features[text]:
            df[gram] += cases_with_it
    total = len(rows)
    idf = {t: math.log((1 + total) / (1 + n)) + 1 for t, n in df.items()}
    vectors = {text: _vector(counts, idf) for text, counts in features.items()}
    domains: dict[str, list[_Case]] = defaultdict(list)
    make = _Case._make  # a tuple's own constructor: a NamedTuple's keyword-taking one is slower per row
    for case_id, township, village, domain, summary in rows:
        local = bool(village) and village in summary
        domains[domain].append(make((case_id, township, village, local,
                                     local or (bool(township) and township in summary), texts[case_id], summary)))
    problems: list[CommonProblem] = []
    similar: dict[tuple[str, str], float] = {}
    for domain, cases in sorted(domains.items()):
        if len(cases) >= min_size:
            problems += _group_domain(domain, cases, vectors=vectors, similar=similar, min_size=min_size,
                                      threshold=threshold, cross_threshold=cross_threshold)
    problems.sort(key=lambda p: (-p.size, p.township, p.domain, p.case_ids[0]))
    return problems


def _without_place(summary: str, township: str, village: str) -> str:
    for place in (village, township):
        if place:
            summary = summary.replace(place, "")
    return summary


# (text without place, township, village, names its village, names its village or township)
_Key = tuple[str, str, str, bool, bool]


def _group_domain(domain: str, cases: list[_Case], *, vectors: dict[str, dict[str, float]],
                  similar: dict[tuple[str, str], float], min_size: int, threshold: float,
                  cross_threshold: float) -> list[CommonProblem]:
    keys: dict[_Key, list[int]] = {}
    for i, case in enumerate(cases):
        keys.setdefault((case.text, case.township, case.village, case.local, case.in_township), []).append(i)
    distinct = list(keys)
    links = _Links(len(distinct))
    weakest: dict[tuple[int, int], float] = {}
    per_township: dict[str, list[int]] = defaultdict(list)
    for k, key in enumerate(distinct):
        per_township[key[1]].append(k)
    for members in per_township.values():
        _link_within_township(distinct, members, vectors, similar, threshold, links, weakest)
    _link_across_townships(distinct, vectors, cross_threshold, links, weakest)
    roots = [links.find(k) for k in range(len(distinct))]
    groups: dict[int, list[int]] = defaultdict(list)
    for k, root in enumerate(roots):
        groups[root].append(k)
    lowest: dict[int, float] = {}  # group root -> the lowest similarity among its links
    for (i, _j), score in weakest.items():
        root = roots[i]
        if score < lowest.get(root, 2.0):
            lowest[root] = score
    found = []
    for root, group in groups.items():
        townships: Counter[str] = Counter()
        for k in group:
            townships[distinct[k][1]] += len(keys[distinct[k]])
        if townships.total() < min_size:
            continue
        spans = len(townships) > 1
        villages = {f"{distinct[k][1]}{distinct[k][2]}" if spans else distinct[k][2] for k in group
                    if distinct[k][2]}
        commonest = max(group, key=lambda k: (len(keys[distinct[k]]), -k))
        indices = sorted(i for k in group for i in keys[distinct[k]])
        found.append(CommonProblem(
            townships.most_common(1)[0][0], domain, cases[keys[distinct[commonest]][0]].summary,
            [cases[i].case_id for i in indices], sorted(villages), lowest.get(root, 1.0),
            sorted(townships, key=lambda t: (-townships[t], t))))
    return found


def _link_within_township(distinct: list[_Key], members: list[int], vectors: dict[str, dict[str, float]],
                          similar: dict[tuple[str, str], float], threshold: float, links: _Links,
                          weakest: dict[tuple[int, int], float]) -> None:
    """Every pair of one township's texts: linked at ``threshold`` (a bonus for the same village); a request
    naming its own village only with that village's cases."""
    for a, i in enumerate(members):
        text_i, _t, village_i, local_i, _s = distinct[i]
        for j in members[a + 1:]:
            text_j, _t, village_j, local_j, _s = distinct[j]
            same_place = village_i == village_j or not village_i or not village_j
            if not same_place and (local_i or local_j):
                continue
            pair = (text_i, text_j) if text_i <= text_j else (text_j, text_i)
            score = similar.get(pair)
            if score is None:
                score = similar[pair] = cosine(vectors[text_i], vectors[text_j])
            if village_i and village_i == village_j:
                score += SAME_VILLAGE_BONUS
            if score >= threshold:
                links.union(i, j)
                weakest[(i, j)] = min(score, 1.0)


def _link_across_townships(distinct: list[_Key], vectors: dict[str, dict[str, float]], threshold: float,
                           links: _Links, weakest: dict[tuple[int, int], float]) -> None:
    """Requests naming neither their village nor their township, in different townships, linked when their
    texts are at least ``threshold`` alike (the same text in several townships too)."""
    free: dict[str, list[int]] = defaultdict(list)  # text -> its keys that may leave their township
    for k, (text, _township, _village, _local, in_township) in enumerate(distinct):
        if not in_township:
            free[text].append(k)
    texts = list(free)
    for text in texts:
        first, *others = free[text]
        for k in others:
            if distinct[k][1] != distinct[first][1]:
                links.union(first, k)
                weakest[(first, k)] = 1.0
    for (a, b), score in similar_pairs([vectors[t] for t in texts], threshold).items():
        ka, kb = free[texts[a]], free[texts[b]]
        # One link per pair of texts in different townships is enough to join their groups.
        pair = next(((i, j) for i in ka for j in kb if distinct[i][1] != distinct[j][1]), None)
        if pair is not None:
            links.union(*pair)
            weakest[pair] = min(score, 1.0)


def similar_pairs(vectors: list[dict[str, float]], threshold: float) -> dict[tuple[int, int], float]:
    """(i, j) → cosine for every pair of unit vectors (i < j) at least ``threshold`` alike, without comparing
    every pair: each vector is indexed under its rarest features until what is left of it has a norm below
    ``threshold`` (the rest alone cannot reach it), and a vector is compared only with the earlier vectors
    indexed under one of its features."""
    df: Counter[str] = Counter(gram for vector in vectors for gram in vector)
    index: dict[str, list[int]] = defaultdict(list)
    limit = threshold * threshold * (1 - 1e-9)  # a squared norm below this cannot reach the threshold
    found: dict[tuple[int, int], float] = {}
    for i, vector in enumerate(vectors):
        candidates: set[int] = set()
        for gram in vector:
            posting = index.get(gram)
            if posting:
                candidates.update(posting)
        for j in candidates:
            score = cosine(vector, vectors[j])
            if score >= threshold:
                found[(j, i)] = score
        left = 1.0
        for gram, weight in sorted(vector.items(), key=lambda item: (df[item[0]], item[0])):
            if left < limit:
                break
            index[gram].append(i)
            left -= weight * weight
    return found
