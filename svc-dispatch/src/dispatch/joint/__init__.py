"""Cooperating units and joint action (1+1+N): each unit's part of a ticket, its task and its answer."""
