"""Acceptance sampling for lot inspections (ISO 2859-1 / ANSI/ASQ Z1.4 single sampling)."""
