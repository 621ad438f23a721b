#!/usr/bin/env python3
"""Verify a Lotproof proof bundle against the chain: ``verify_bundle.py FILE --rpc URL``.

Runs from a plain clone (no installation needed beyond the dependencies). Exit codes: 0 all
verified or redacted, 1 tampered / invalid / refused, 2 some still pending (or no records),
3 chain unreachable, 4 usage error (bad arguments, unreadable file); see ``--help``.
"""

import sys
from pathlib import Path

# Run from a clone without `pip install`: make the repository's `service` package importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.bundlecheck import main

if __name__ == "__main__":
    raise SystemExit(main())
