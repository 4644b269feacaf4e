"""Dispatch centres (指挥中心): on-time and accurate dispatch per township (the dispatchers' indicators)."""
