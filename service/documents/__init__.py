"""Writing documents for people (PDF, CSV): the one road from stored text into each format.

A lower layer than the domains: ``service/audit``, ``service/labels``, ``service/recalls`` and
any future document import from here, never the reverse.
"""
