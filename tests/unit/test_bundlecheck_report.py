"""The text report: a row per record, batch problems, and a summary naming the outcome."""

from __future__ import annotations

from service.bundlecheck import format_report, verify_bundle
from tests.unit.bundlecheck_builders import make_bundle


def test_format_report_has_a_row_per_record_and_a_summary() -> None:
    bundle, chain = make_bundle()
    bundle["records"][1].update(record=None, redacted=True)
    text = format_report(verify_bundle(bundle, chain))
    lines = text.splitlines()
    assert lines[0].split() == ["n", "type", "digest", "anchor", "verdict", "reason"]
    assert len(lines) == 2 + 4 + 1
    assert lines[-1] == "AUTHENTIC: 4 records (3 verified, 1 redacted)"


def test_problems_are_listed_before_the_summary() -> None:
    bundle, chain = make_bundle()
    bundle["batch"]["record_count"] = 5
    lines = format_report(verify_bundle(bundle, chain)).splitlines()
    assert lines[-2:] == [
        "problem: batch has 5 records, bundle lists 4",
        "TAMPERED: 4 records (4 verified)",
    ]


def test_an_empty_bundle_says_it_proves_nothing() -> None:
    bundle, chain = make_bundle()
    bundle.update(records=[], anchors=[])
    bundle["batch"]["record_count"] = 0
    text = format_report(verify_bundle(bundle, chain))
    assert text == "PENDING: the bundle lists no records, so it proves nothing"
