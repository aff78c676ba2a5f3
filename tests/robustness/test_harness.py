"""The probe classifies outcomes as documented (a test of the test tool, not of dxlab)."""

from __future__ import annotations

import pytest

from dxlab.errors import DataError
from robustness import harness
from robustness.harness import Probe


@pytest.fixture
def isolated(monkeypatch):
    monkeypatch.setattr(harness, "RESULTS", [])
    return harness


def _raise(exc):
    raise exc


def test_outcomes_are_classified(isolated):
    Probe("t", "clear").rejects(lambda: _raise(DataError("bad", file="f.csv")), names=["f.csv"])
    with pytest.raises(AssertionError):
        Probe("t", "unclear").rejects(lambda: _raise(DataError("bad")), names=["f.csv"])
    with pytest.raises(AssertionError):
        Probe("t", "crash").rejects(lambda: _raise(KeyError("x")))
    with pytest.raises(AssertionError):
        Probe("t", "silent").rejects(lambda: 42)
    Probe("t", "valid").accepts(lambda: 3, lambda v: v == 3)
    with pytest.raises(AssertionError):
        Probe("t", "wrong").accepts(lambda: 4, lambda v: v == 3)
    got = [(r.kind, r.outcome) for r in isolated.RESULTS]
    assert got == [("clear", "clear error"), ("unclear", "unclear error"), ("crash", "crash"),
                   ("silent", "silent wrong"), ("valid", "accepted"), ("wrong", "silent wrong")]
    # area, tried, clear(+accepted), unclear, crashes, silent wrong, data lost
    assert isolated.summary_rows() == [("t", 6, 2, 1, 1, 2, 0)]


def test_snapshot_detects_lost_and_changed_files(tmp_path):
    (tmp_path / "a").write_text("1")
    (tmp_path / "b").write_text("2")
    before = harness.snapshot(tmp_path)
    (tmp_path / "a").unlink()
    (tmp_path / "b").write_text("3")
    assert harness.lost(before, harness.snapshot(tmp_path)) == ["a", "b"]
