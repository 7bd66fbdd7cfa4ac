"""Printing and reports: case summary sheets (PDF), Excel ledgers and reports, figures. No Qt here."""
