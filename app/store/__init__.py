"""The local SQLite store: the event log (the truth), its projections, evidence blobs and search. No Qt."""
