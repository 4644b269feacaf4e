"""svc-enforcement's own copy of the event categories, kept current from svc-dispatch's events."""
