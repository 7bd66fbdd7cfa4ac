"""The handling chain's steps and the statuses each may be taken from: the one table both the workflow (which
refuses a step that does not fit) and the case fold (which keeps a step made elsewhere that no longer fits from
moving the case backwards) read."""

from __future__ import annotations

# Step kind → statuses it may be taken from, in chain order (menus offer them in this order).
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "dispatch": frozenset({"registered", "dispatched"}),
    "accept": frozenset({"dispatched"}),
    "object": frozenset({"dispatched"}),
    "agree_objection": frozenset({"objected"}),
    "refuse_objection": frozenset({"objected"}),
    "decline": frozenset({"registered", "dispatched"}),
    "no_longer_accept": frozenset({"registered"}),
    "route_legal": frozenset({"registered", "dispatched", "accepted", "contacted", "handling"}),
    "contact": frozenset({"accepted", "contacted", "handling"}),
    "handle": frozenset({"contacted", "handling"}),
    "feedback": frozenset({"handling"}),
    "follow_up": frozenset({"replied"}),
    "close": frozenset({"followed_up"}),
    "terminate": frozenset({"accepted", "contacted", "handling", "replied", "followed_up", "reviewing",
                            "re_reviewing"}),
    "extend": frozenset({"accepted", "contacted", "handling"}),
    "request_review": frozenset({"replied", "followed_up", "closed"}),
    "answer_review": frozenset({"reviewing"}),
    "request_re_review": frozenset({"replied", "followed_up", "closed"}),
    "hearing": frozenset({"re_reviewing"}),
    "answer_re_review": frozenset({"re_reviewing"}),
}
