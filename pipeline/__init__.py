"""Fieldnotes: informational-interview notes to structured, searchable records and follow-ups."""

__version__ = "0.1.0"
