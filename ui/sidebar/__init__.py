"""The sidebar window and what it embeds."""
