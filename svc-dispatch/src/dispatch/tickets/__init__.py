"""Tickets (工单): intake, routing, handling, verification, supervision."""
