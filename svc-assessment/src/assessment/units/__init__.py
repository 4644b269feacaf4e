"""Handling units: ticket, summons and case indicators per unit and month (rules-reference §3.5)."""
