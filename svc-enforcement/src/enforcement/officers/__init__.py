"""Enforcement officers (执法人员) and their enforcement certificates (执法证)."""
