"""The one door through which records are written (docs/design.md §2).

* ``epcis``: the event of every kind of record (one builder per kind).
* ``writer``: appending to a subject's chain (batch: v1, organisation: v2), under its lock.
* ``evidence``: the one rule for files a record cites.
* ``schemas``: what records take from requests (event times, details) and answer.
* ``repository``: records and the chain heads, used by the writer (and readers of records).
"""
