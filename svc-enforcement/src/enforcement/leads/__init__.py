"""Leads (线索) received from dispatch, and their transfer (移送) to the competent department."""
