"""Satisfaction callbacks (回访, 12345 loop 2): close, reopen once, then the township leader decides."""
