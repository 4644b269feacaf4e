"""Squads (执法中队) under dual leadership and 1+1+N joint operations."""
