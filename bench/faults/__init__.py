"""The fault suite: real workers, private PostgreSQL and Redis, faults, and a census."""
