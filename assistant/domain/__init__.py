"""The domain: rules and state, opening hours, phrases, the taboo guard, search, service, shift."""
