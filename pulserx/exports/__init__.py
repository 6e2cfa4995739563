"""Exports for the clinician: the report (page and PDF) and the CSV of every dose."""
