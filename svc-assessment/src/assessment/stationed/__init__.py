"""Stationed offices and squads: the township's part (at least 60 %) and the county department's part."""
