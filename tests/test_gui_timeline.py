"""The timeline marks what a county or city did on a township's case as coming from above."""

from __future__ import annotations

from app.models.events import Event, sealed
from app.views.timeline_model import TimelineModel


def event(origin: str, seq: int, kind: str, payload: dict[str, object], hlc: str) -> Event:
    return sealed(Event(f"{origin}:{seq}", "TZ01-2026-00001", origin, seq, hlc, "2026-03-02T09:00:00", "张丽", kind,
                        payload))


def test_steps_from_another_station_are_marked_from_above(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = TimelineModel()
    model.set_events([
        event("TZJJ", 7, "supervise", {"deadline": "2026-03-20", "note": "请加快办理"}, "000001772442000000.00000"),
        event("TZ01", 1, "register", {"channel": "visit", "petitioners": [], "request_summary": "道路破损"},
              "000001772440000000.00000"),
    ])
    qtmodeltester.check(model)
    station_column = 3
    assert [model.data(model.index(row, station_column)) for row in range(2)] == ["TZ01", "TZJJ（上级）"]
    assert "请加快办理" in str(model.data(model.index(1, 5)))
