"""Supervision orders (督办单) on every limit of a ticket, and the job that issues them."""
