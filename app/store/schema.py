"""Schema steps. ``PRAGMA user_version`` says which have run; each step brings a file up by one version."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

PROJECTION_TABLES: tuple[str, ...] = ("cases", "petitioners", "steps", "evidence", "checklist", "conflicts")

CASE_COLUMNS: tuple[str, ...] = (
    "case_id", "origin", "channel", "collective", "head_count", "domain", "township", "village",
    "request_summary", "authority_unit", "jurisdiction", "backlog", "leader", "status", "petitioner_names",
    "registered_at", "dispatched_at", "dispatch_units", "accepted_at", "replied_at", "closed_at", "extension_days",
    "review_round", "rating", "dissatisfied", "measures", "repeat_of", "repeat_round", "checklist_done",
    "conflicts", "supervision", "finished", "deadline_label", "deadline", "yellow_from", "last_event_id",
    "last_hash", "last_hlc", "first_replied_at", "first_rated_at", "first_rating", "reply_days", "handling_seconds",
    "colour_pin", "category", "problem_type", "purpose", "first_time", "legal_route", "work_order", "routed_days",
    "in_time",
)

_V1 = """
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE events (
    id TEXT PRIMARY KEY, case_id TEXT NOT NULL, origin TEXT NOT NULL, seq INTEGER NOT NULL,
    hlc TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL, hash TEXT NOT NULL, UNIQUE (origin, seq)
);
CREATE INDEX events_case ON events (case_id, hlc);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE cases (
    n INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL UNIQUE, origin TEXT NOT NULL, channel TEXT NOT NULL, collective INTEGER NOT NULL,
    head_count INTEGER NOT NULL, domain TEXT NOT NULL, township TEXT NOT NULL, village TEXT NOT NULL,
    request_summary TEXT NOT NULL, authority_unit TEXT NOT NULL, jurisdiction TEXT NOT NULL,
    backlog INTEGER NOT NULL, leader TEXT NOT NULL, status TEXT NOT NULL, petitioner_names TEXT NOT NULL,
    registered_at TEXT NOT NULL, dispatched_at TEXT NOT NULL, dispatch_units TEXT NOT NULL,
    accepted_at TEXT NOT NULL, replied_at TEXT NOT NULL, closed_at TEXT NOT NULL, extension_days INTEGER NOT NULL,
    review_round INTEGER NOT NULL, rating TEXT NOT NULL, dissatisfied INTEGER NOT NULL, measures INTEGER NOT NULL,
    repeat_of TEXT NOT NULL, repeat_round INTEGER NOT NULL, checklist_done INTEGER NOT NULL,
    conflicts INTEGER NOT NULL, supervision TEXT NOT NULL, finished INTEGER NOT NULL, deadline_label TEXT NOT NULL,
    deadline TEXT, yellow_from TEXT, last_event_id TEXT NOT NULL, last_hash TEXT NOT NULL, last_hlc TEXT NOT NULL
);
CREATE INDEX cases_status ON cases (status);
CREATE INDEX cases_domain ON cases (domain);
CREATE INDEX cases_leader ON cases (leader);
CREATE INDEX cases_origin ON cases (origin);
CREATE INDEX cases_registered ON cases (registered_at);
CREATE INDEX cases_open_deadline ON cases (finished, deadline);

CREATE TABLE petitioners (
    case_id TEXT NOT NULL, idx INTEGER NOT NULL, name TEXT NOT NULL, id_number TEXT NOT NULL,
    phone TEXT NOT NULL, address TEXT NOT NULL, PRIMARY KEY (case_id, idx)
);
CREATE INDEX petitioners_id_number ON petitioners (id_number);
CREATE INDEX petitioners_name_phone ON petitioners (name, phone);

CREATE TABLE steps (
    case_id TEXT NOT NULL, idx INTEGER NOT NULL, event_id TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL,
    actor TEXT NOT NULL, origin TEXT NOT NULL, unit TEXT NOT NULL, note TEXT NOT NULL,
    PRIMARY KEY (case_id, idx)
);

CREATE TABLE evidence (
    case_id TEXT NOT NULL, event_id TEXT NOT NULL, sha256 TEXT NOT NULL, name TEXT NOT NULL,
    kind TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (event_id, sha256)
);
CREATE INDEX evidence_case ON evidence (case_id);

CREATE TABLE checklist (
    case_id TEXT NOT NULL, key TEXT NOT NULL, done INTEGER NOT NULL, by TEXT NOT NULL, at TEXT NOT NULL,
    note TEXT NOT NULL, PRIMARY KEY (case_id, key)
);

CREATE TABLE conflicts (
    case_id TEXT NOT NULL, field TEXT NOT NULL, event_ids TEXT NOT NULL, "values" TEXT NOT NULL,
    PRIMARY KEY (case_id, field, event_ids)
);

-- What full-text search reads: one line of text per case (numbers, names, ID numbers, phones, place, request,
-- notes). Kept narrow so that LIKE for 1-2 character terms scans little. The projection keeps case_fts in
-- step with it (no triggers: a bulk rebuild indexes everything in one pass, far faster than row by row).
CREATE TABLE case_text (n INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE VIRTUAL TABLE case_fts USING fts5 (body, content='case_text', content_rowid='n', tokenize='trigram');
"""


def _v1(conn: sqlite3.Connection) -> None:
    for statement in _split(_V1):
        conn.execute(statement)


def _split(script: str) -> list[str]:
    """Statements of a script, keeping trigger bodies whole (executescript would commit our transaction)."""
    statements, current = [], []
    for line in script.splitlines():
        if line.strip().startswith("--") or not line.strip():
            continue
        current.append(line)
        text = "\n".join(current)
        if sqlite3.complete_statement(text):
            statements.append(text)
            current = []
    return statements


def _v2(conn: sqlite3.Connection) -> None:
    """The first reply and first follow-up of each case, for the figures (a review round overwrites replied_at
    and rating). Filled from the projected steps and their events exactly as the fold fills them, so ``verify``
    holds on an upgraded file without a rebuild."""
    for column in ("first_replied_at", "first_rated_at", "first_rating"):
        conn.execute(f"ALTER TABLE cases ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
    conn.execute(
        "UPDATE cases SET first_replied_at = (SELECT s.at FROM steps s WHERE s.case_id = cases.case_id "
        "AND s.kind = 'feedback' ORDER BY s.idx LIMIT 1) "
        "WHERE EXISTS (SELECT 1 FROM steps s WHERE s.case_id = cases.case_id AND s.kind = 'feedback')")
    conn.execute(
        "UPDATE cases SET (first_rated_at, first_rating) = (SELECT s.at, "
        "coalesce(json_extract(e.payload, '$.rating'), '') FROM steps s JOIN events e ON e.id = s.event_id "
        "WHERE s.case_id = cases.case_id AND s.kind = 'follow_up' ORDER BY s.idx LIMIT 1) "
        "WHERE EXISTS (SELECT 1 FROM steps s WHERE s.case_id = cases.case_id AND s.kind = 'follow_up')")


_V3_SYNC = """
-- Sync between stations. Certificates and revocations are kept as the signed documents that travel.
CREATE TABLE sync_certificates (
    fingerprint TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, level TEXT NOT NULL,
    parent TEXT NOT NULL, public_key TEXT NOT NULL, issued_at TEXT NOT NULL, not_before TEXT NOT NULL,
    not_after TEXT NOT NULL, document TEXT NOT NULL
);
CREATE INDEX sync_certificates_code ON sync_certificates (code);
CREATE TABLE sync_revocations (
    fingerprint TEXT PRIMARY KEY, code TEXT NOT NULL, revoked_at TEXT NOT NULL, by TEXT NOT NULL,
    reason TEXT NOT NULL, document TEXT NOT NULL
);
-- The pinned root of trust and other single values of the sync layer.
CREATE TABLE sync_trust (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Per peer and origin station: the highest sequence number the peer has confirmed holding (its ack).
CREATE TABLE sync_acked (
    peer TEXT NOT NULL, origin TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (peer, origin)
);
-- Per origin station: every event of that origin up to seq that this station is entitled to is held here.
CREATE TABLE sync_coverage (origin TEXT PRIMARY KEY, seq INTEGER NOT NULL);
-- Bundles written and read, for the stations view and to recognise a file imported twice.
CREATE TABLE sync_log (
    bundle_id TEXT PRIMARY KEY, direction TEXT NOT NULL, peer TEXT NOT NULL, created_at TEXT NOT NULL,
    at TEXT NOT NULL, events INTEGER NOT NULL, new_events INTEGER NOT NULL, file TEXT NOT NULL,
    summary TEXT NOT NULL
);
"""


def _v3(conn: sqlite3.Connection) -> None:
    """The sync tables: certificates, revocations, the pinned root, acknowledgements, coverage, log."""
    for statement in _split(_V3_SYNC):
        conn.execute(statement)


def _v4(conn: sqlite3.Connection) -> None:
    """Two numbers per case for the figures, so that their SQL needs no date function per row (100,000 cases in
    well under 200 ms): calendar days from acceptance to the first reply, and seconds from registration to it.
    Filled here exactly as ``projection.case_rows`` fills them."""
    conn.execute("ALTER TABLE cases ADD COLUMN reply_days INTEGER")
    conn.execute("ALTER TABLE cases ADD COLUMN handling_seconds INTEGER")
    conn.execute(
        "UPDATE cases SET reply_days = CASE WHEN first_replied_at != '' AND accepted_at != '' THEN "
        "CAST(round(julianday(substr(first_replied_at, 1, 10)) - julianday(substr(accepted_at, 1, 10))) AS INTEGER) "
        "END, handling_seconds = CASE WHEN first_replied_at != '' AND registered_at != '' THEN "
        "CAST(round((julianday(first_replied_at) - julianday(registered_at)) * 86400) AS INTEGER) END "
        "WHERE first_replied_at != ''")


def _v5(conn: sqlite3.Connection) -> None:
    """An index on the clock time of events: opening a station reads the latest time seen to start its clock,
    which without the index scanned every event (about 0.2 s at a million events, paid at every start)."""
    conn.execute("CREATE INDEX IF NOT EXISTS events_hlc ON events (hlc)")


# Every column the figures read (app/reports/figures.py), after the grouping column.
_FIGURE_COLUMNS = ("registered_at, repeat_round, closed_at, status, review_round, rating, first_rated_at, "
                   "first_rating, first_replied_at, handling_seconds, accepted_at, reply_days, backlog, finished")


def _v6(conn: sqlite3.Connection) -> None:
    """Covering indexes for the figures by domain and by township: SQLite reads the cases in group order from
    the index alone, with no sort of every row and no lookup into the wide table (100,000 cases: about 0.45 s
    down to about 0.12 s). The figures without a grouping scan one of them too, as it is narrower than the
    table. Each costs about 14 MB per 100,000 cases."""
    for column in ("domain", "township"):
        conn.execute(f"CREATE INDEX IF NOT EXISTS cases_figures_{column} ON cases ({column}, {_FIGURE_COLUMNS})")


def _v7(conn: sqlite3.Connection) -> None:
    """Settings that change what the tables show are events now (app.models.settings): the values a file holds
    from before become this station's setting events, so a rebuild keeps them and ``verify`` can prove them."""
    from app.store.settings_log import record_legacy

    record_legacy(conn)


def _v8(conn: sqlite3.Connection) -> None:
    """Secrets inside the store (the station's private keys, the key that seals its evidence), so that no key
    file lies beside the data: they are as safe as the store itself (app/store/vault.py)."""
    conn.execute("CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL)")


_FIGURE_COLUMNS_V9 = ("registered_at, repeat_round, closed_at, status, review_round, rating, first_rated_at, "
                      "first_rating, first_replied_at, handling_seconds, accepted_at, reply_days, backlog, finished, "
                      "first_time, routed_days, in_time")


def _v9(conn: sqlite3.Connection) -> None:
    """The law's procedure: the colour a case has whatever its dates (a backlog case, a dissatisfied
    petitioner), 诉求分类 and the national fields, the 12345 work order, and three numbers for the figures (days
    to the first routing decision, finished within the limit; reply_days now counts from receipt). The covering
    indexes of step 6 are made again with the new figure columns. The rows are filled by projecting every case
    afresh once all steps have run (``REPROJECT_BELOW``)."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(cases)")}
    added = [(c, "TEXT NOT NULL DEFAULT ''") for c in ("colour_pin", "category", "problem_type", "purpose",
                                                        "legal_route", "work_order")]
    added += [("first_time", "INTEGER NOT NULL DEFAULT 1"), ("routed_days", "INTEGER"), ("in_time", "INTEGER")]
    for column, kind in added:
        if column not in have:  # a file someone marked older than it is has them already
            conn.execute(f"ALTER TABLE cases ADD COLUMN {column} {kind}")
    for column in ("domain", "township"):
        conn.execute(f"DROP INDEX IF EXISTS cases_figures_{column}")
        conn.execute(f"CREATE INDEX cases_figures_{column} ON cases ({column}, {_FIGURE_COLUMNS_V9})")
    # The repeat cases and what they repeat, for 一次性化解率 (a first petition a later case repeats was not
    # resolved at once): a few per cent of the cases, read without touching the wide table.
    conn.execute("CREATE INDEX IF NOT EXISTS cases_repeats ON cases (repeat_round, repeat_of) WHERE repeat_round >= 2")


_V10_CHECKPOINTS = """
-- Signed checkpoints over the stations' hash chains (app/store/signatures.py): kept, never changed.
CREATE TABLE IF NOT EXISTS checkpoints (
    origin TEXT NOT NULL, seq INTEGER NOT NULL, hash TEXT NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL,
    PRIMARY KEY (origin, seq)
);
CREATE TRIGGER IF NOT EXISTS checkpoints_append_only_update BEFORE UPDATE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER IF NOT EXISTS checkpoints_append_only_delete BEFORE DELETE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
"""


def _v10(conn: sqlite3.Connection) -> None:
    """Signed checkpoints. The events a file holds from before have none: per station, how far they reach is
    noted, and they count as vouched for until a checkpoint of their station covers them (this station signs its
    own at its next change or export)."""
    for statement in _split(_V10_CHECKPOINTS):
        conn.execute(statement)
    held = {str(o): int(s) for o, s in conn.execute("SELECT origin, max(seq) FROM events GROUP BY origin")}
    if held:
        conn.execute("INSERT OR IGNORE INTO sync_trust (key, value) VALUES ('unsigned_before_checkpoints', ?)",
                     (json.dumps(held),))


def _v11(conn: sqlite3.Connection) -> None:
    """A case ended by 不予受理, 不再受理 or 导入法定途径 runs against the notice limit until the notice of its end
    is recorded: those cases are projected again from their events. The index of the papers' numbers, made until
    now on a paper's first use, is made here once (app.store.eventlog.last_document_seq)."""
    import json

    conn.execute("CREATE INDEX IF NOT EXISTS events_documents ON events (origin, json_extract(payload, '$.paper'), "
                 "json_extract(payload, '$.year')) WHERE kind = 'document'")

    from app.models.deadlines import TimeLimits
    from app.store import projection

    row = conn.execute("SELECT value FROM settings WHERE key = 'limits'").fetchone()
    limits = TimeLimits.from_json(json.loads(row[0]) if row else {})
    ended = [r[0] for r in conn.execute(
        "SELECT case_id FROM cases WHERE status IN ('declined', 'not_accepted', 'routed_legal')")]
    projection.recompute_deadlines(conn, limits, ended)


# The dispatches that name stations (app.sync.bundle.routed_cases, every export down): few beside the log, so an
# index of them alone keeps that look-up from reading every event. The query repeats this WHERE to use it.
STATION_DISPATCHES = "kind = 'dispatch' AND instr(payload, '\"stations\":') > 0"


def _v12(conn: sqlite3.Connection) -> None:
    """The index of dispatches naming stations (``STATION_DISPATCHES``)."""
    conn.execute(f"CREATE INDEX IF NOT EXISTS events_station_dispatches ON events (case_id, origin, seq) "
                 f"WHERE {STATION_DISPATCHES}")


def _v13(conn: sqlite3.Connection) -> None:
    """The papers' number index holds each paper's number too, so a paper's next number reads the last entry of
    its station, kind and year instead of every paper of them (app.store.eventlog.last_document_seq); it takes
    the place of step 11's index, whose columns lead this one."""
    conn.execute("CREATE INDEX IF NOT EXISTS events_document_numbers ON events (origin, json_extract(payload, "
                 "'$.paper'), json_extract(payload, '$.year'), CAST(json_extract(payload, '$.seq') AS INTEGER)) "
                 "WHERE kind = 'document'")
    conn.execute("DROP INDEX IF EXISTS events_documents")


# Step N brings a file from version N-1 to N. Append only; never change a step that has shipped.
STEPS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9, _v10, _v11,
                                                     _v12, _v13]
# A file older than this (and not new) has its projections written again from its events after the steps: the
# fold learned things (time limits beside each other, the colour pin) that SQL alone cannot fill in.
REPROJECT_BELOW = 9
LATEST_VERSION = len(STEPS)
