"""The shift lead's review window and its PDF report."""
