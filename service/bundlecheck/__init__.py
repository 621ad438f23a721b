"""Independent verification of proof bundles: needs a bundle file and an RPC URL, nothing else.

Deliberately free of the database, the web app and the operator's configuration, so that an
inspector can run it from a clone against any node they trust.
"""

from service.bundlecheck.bundle import (
    BundleError,
    BundleReport,
    ChainView,
    Outcome,
    RecordResult,
    Verdict,
    format_report,
    load_bundle,
    main,
    verify_bundle,
)

__all__ = [
    "BundleError",
    "BundleReport",
    "ChainView",
    "Outcome",
    "RecordResult",
    "Verdict",
    "format_report",
    "load_bundle",
    "main",
    "verify_bundle",
]
