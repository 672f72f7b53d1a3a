"""The PySide6 face of the assistant: thin widgets over `assistant`."""
