"""The command line: sub-commands, the review/export commands, privacy commands, demo data."""
