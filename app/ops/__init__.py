"""The operations layer: the one way data changes. Each operation is one transaction that appends events,
updates the projections, and then tells its listeners what changed."""

from app.ops.desk import Desk, Station

__all__ = ["Desk", "Station"]
