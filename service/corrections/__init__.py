"""Corrections the EPCIS way: an organisation declares a record it made erroneous
(docs/design.md §2.10). The original stays in its chain; a new record says it was wrong.

* ``declarations``: when a declaration holds, read from records alone (verdicts, the verifier).
* ``service``: who may declare what, and the record that says so.
"""
