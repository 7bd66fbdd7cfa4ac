"""共性问题: open cases about the same thing in the same place, found together so they can be solved in one
batch.

How: each open case's request summary becomes a vector of its character bigrams (and, weighted lower, its
characters), weighted by TF-IDF (IDF over all open cases, so what every petition says — 要求, 村民 — weighs
little). Cases are compared only within one township and domain (blocking keeps the pairwise work small). Two
cases are
linked when the cosine similarity of their summaries, plus a small bonus when they concern the same village,
reaches the threshold; a group is a connected set of linked cases. Identical (normalised summary, village)
pairs are compared once. No Qt, no model.

Place: the case's own village and township names are taken out of the text before comparing (place is
judged apart, not by shared characters). A request that names its own village (东岙村土地承包纠纷) is about
that village, so it is linked only with cases of the same village; a request that names no village (a
factory, a market, a housing estate, an employer) may be linked with cases from any village of the township —
the same market's noise reported from three villages is one common problem, three villages' land disputes
are three.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field

DEFAULT_THRESHOLD = 0.3
SAME_VILLAGE_BONUS = 0.1
# Digits, Latin letters, punctuation and spaces carry amounts and dates, not what the matter is about.
_NOISE = re.compile(r"[\s\d０-９A-Za-zＡ-Ｚａ-ｚ.,;:!?'\"()\[\]{}<>/\\\-_+=*&^%$#@~`|"
                    r"，。；：！？、“”‘’（）【】《》…—·]+")


@dataclass
class CommonProblem:
    """A group of open cases about one matter in one place."""

    township: str
    domain: str
    summary: str  # the request most of the group made, to name the group
    case_ids: list[str]
    villages: list[str] = field(default_factory=list)
    similarity: float = 0.0  # the lowest similarity among the group's linked pairs (1.0: identical requests)

    @property
    def size(self) -> int:
        return len(self.case_ids)

    def to_json(self) -> dict[str, object]:
        return {"township": self.township, "domain": self.domain, "summary": self.summary, "size": self.size,
                "villages": self.villages, "similarity": round(self.similarity, 3), "case_ids": self.case_ids}


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


# (case_id, village, whether the request names that village, text without place names, request as written)
_Case = tuple[str, str, bool, str, str]


class _Links:
    """Union-find over the distinct texts of one block."""

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


def find_common_problems(conn: sqlite3.Connection, *, min_size: int = 3,
                         threshold: float = DEFAULT_THRESHOLD) -> list[CommonProblem]:
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
    blocks: dict[tuple[str, str], list[_Case]] = defaultdict(list)
    for case_id, township, village, domain, summary in rows:
        local = bool(village) and village in summary
        blocks[(township, domain)].append((case_id, village, local, texts[case_id], summary))
    problems: list[CommonProblem] = []
    similar: dict[tuple[str, str], float] = {}
    for (township, domain), cases in sorted(blocks.items()):
        if len(cases) >= min_size:
            problems += _group_block(township, domain, cases, vectors=vectors, similar=similar,
                                     min_size=min_size, threshold=threshold)
    problems.sort(key=lambda p: (-p.size, p.township, p.domain, p.case_ids[0]))
    return problems


def _without_place(summary: str, township: str, village: str) -> str:
    for place in (village, township):
        if place:
            summary = summary.replace(place, "")
    return summary


def _group_block(township: str, domain: str, cases: list[_Case], *, vectors: dict[str, dict[str, float]],
                 similar: dict[tuple[str, str], float], min_size: int, threshold: float) -> list[CommonProblem]:
    keys: dict[tuple[str, str, bool], list[int]] = {}  # (text without place, village, names it) -> cases
    for i, (_case_id, village, local, text, _summary) in enumerate(cases):
        keys.setdefault((text, village, local), []).append(i)
    distinct = list(keys)
    links = _Links(len(distinct))
    weakest: dict[tuple[int, int], float] = {}
    for i in range(len(distinct)):
        for j in range(i + 1, len(distinct)):
            (text_i, village_i, local_i), (text_j, village_j, local_j) = distinct[i], distinct[j]
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
    members: dict[int, list[int]] = defaultdict(list)
    for k in range(len(distinct)):
        members[links.find(k)].append(k)
    found = []
    for group in members.values():
        indices = sorted(i for k in group for i in keys[distinct[k]])
        if len(indices) < min_size:
            continue
        commonest = max(group, key=lambda k: (len(keys[distinct[k]]), -k))
        in_group = set(group)
        scores = [s for (i, j), s in weakest.items() if i in in_group and j in in_group]
        found.append(CommonProblem(
            township, domain, cases[keys[distinct[commonest]][0]][4], [cases[i][0] for i in indices],
            sorted({cases[i][1] for i in indices if cases[i][1]}), min(scores) if scores else 1.0))
    return found
