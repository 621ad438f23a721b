"""Supplier scorecards: a versioned, recomputable formula over anchored facts."""
