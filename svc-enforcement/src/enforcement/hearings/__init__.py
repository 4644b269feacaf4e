"""The hearing (听证) and the party's statements and defence (陈述申辩) after the rights notice (行政处罚法 art. 44-45, 63-65)."""
