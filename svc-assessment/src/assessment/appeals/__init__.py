"""Appeals of a score or a count, within a configured period, decided by the assessing level."""
