"""svc-grid: one grid for local governance (基层治理一网格)."""
