"""Fakes of what this machine cannot have, for tests."""
