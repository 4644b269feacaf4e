"""Window staff and service centres: timeliness, one-time notices and public ratings (好差评)."""
