"""The shift lead's review: report model, SQL readers, the event-fold oracle, charts, exports."""
