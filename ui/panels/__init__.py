"""Panels and popups beside the sidebar: phrases, composer, quick search, the pause sign."""
