"""Explainable scores: the facts (and the events they came from) behind every figure."""
