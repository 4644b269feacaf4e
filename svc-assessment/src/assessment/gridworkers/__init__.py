"""Grid workers (网格员): monthly, quarterly and annual assessment (002 art. 30-34)."""
