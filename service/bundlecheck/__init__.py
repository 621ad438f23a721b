"""Independent verification of proof bundles: needs a bundle file and an RPC URL, nothing else.

Deliberately free of the database, the web app and the operator's configuration, so that an
inspector can run it from a clone against any node they trust. One job per module: ``bundle``
(the file format), ``check`` (the checks, reading the chain through a ``ChainView``),
``verdict`` (what they conclude), ``report`` (the text an inspector reads) and ``cli`` (the
command line and its exit codes).
"""

from service.bundlecheck.bundle import BundleError, load_bundle
from service.bundlecheck.check import ChainView, verify_bundle
from service.bundlecheck.cli import EXIT_USAGE, exit_code, main
from service.bundlecheck.report import format_report
from service.bundlecheck.verdict import BundleReport, Outcome, RecordResult, Verdict

__all__ = [
    "EXIT_USAGE",
    "BundleError",
    "BundleReport",
    "ChainView",
    "Outcome",
    "RecordResult",
    "Verdict",
    "exit_code",
    "format_report",
    "load_bundle",
    "main",
    "verify_bundle",
]
