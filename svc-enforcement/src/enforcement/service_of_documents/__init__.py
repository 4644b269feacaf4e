"""Service (送达) of the decision (行政处罚法 art. 61): on the spot or within 7 days, by a lawful method, with proof."""
