"""Printable label sheets: GS1 Digital Link QR codes with their human-readable text."""
