"""The situational picture (一张图): GeoJSON of open tickets and grids, counts, and early warning (研判预警)."""
