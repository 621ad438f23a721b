"""IN lists padded to a few shapes (service/db/base.py: padded_in_list)."""

from __future__ import annotations

import sqlite3

from hypothesis import given
from hypothesis import strategies as st

from service.db.base import padded_in_list


@given(st.lists(st.integers(min_value=1, max_value=2**31 - 1), max_size=300))
def test_pads_to_a_power_of_two_with_the_same_ids(ids: list[int]) -> None:
    padded = padded_in_list(ids)
    assert set(padded) == set(ids) and padded[: len(ids)] == ids
    assert padded == [] if not ids else len(padded) & (len(padded) - 1) == 0
    assert len(padded) < 2 * len(ids) or len(ids) <= 1


def test_every_claim_size_up_to_1024_takes_one_of_11_statements() -> None:
    assert len({len(padded_in_list(list(range(n)))) for n in range(1, 1025)}) == 11


def test_a_padded_update_changes_the_same_rows_and_counts_them_once() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE records (id INTEGER PRIMARY KEY, anchor_id INTEGER)")
    db.executemany("INSERT INTO records (id) VALUES (?)", [(i,) for i in range(1, 21)])
    ids = [3, 5, 6, 7, 11]
    padded = padded_in_list(ids)
    assert len(padded) == 8
    marks = ",".join("?" * len(padded))
    claimed = db.execute(
        f"UPDATE records SET anchor_id = 1 WHERE id IN ({marks}) AND anchor_id IS NULL",
        padded,
    )
    assert claimed.rowcount == len(ids)
    rows = db.execute("SELECT id FROM records WHERE anchor_id = 1 ORDER BY id").fetchall()
    assert [r for (r,) in rows] == ids
