"""Payment and enforcement of fines (行政处罚法 art. 66-73, 行政强制法 art. 45, 53-54)."""
