"""The enforcement-item list (行政执法事项清单 / 赋权清单): versioned items and their delegations."""
