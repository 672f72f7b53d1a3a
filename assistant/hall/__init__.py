"""The hall database (PostgreSQL): configuration, DDL, the pusher thread, the reader, the review."""
