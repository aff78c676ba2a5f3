"""Row accounting: every loader says what it dropped and why.

Invariant checked on every load: rows_in = rows_out + rows_dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from dxlab.errors import DxlabError


@dataclass
class Drop:
    """Rows removed for one reason."""

    reason: str
    rows: int
    lines: list[int | str] = field(default_factory=list)  # first lines (or file:line labels)


@dataclass
class RowAccount:
    """What happened to the rows of one source file.

    Attributes:
        source: the file (or response) read.
        rows_in: data records in the source (header and footnote lines excluded; footnotes
            are recorded as drops when they sit among the records).
        drops: one :class:`Drop` per reason.
    """

    source: str
    rows_in: int
    drops: list[Drop] = field(default_factory=list)

    @property
    def rows_dropped(self) -> int:
        return sum(d.rows for d in self.drops)

    def drop(self, frame: pd.DataFrame, mask: pd.Series, reason: str, *,
             index_is_line: bool = True) -> pd.DataFrame:
        """Remove the rows where ``mask`` is True, recording ``reason``; returns the rest.

        With ``index_is_line`` the frame's index is the file line number (as
        :func:`dxlab.sources.tabular.read_csv_text` returns it) and the first ten dropped
        lines are recorded.
        """
        mask = mask.fillna(False).astype(bool)
        n = int(mask.sum())
        if n:
            idx = frame.index[mask][:10] if index_is_line else []
            lines = [int(i) for i in idx if str(i).isdigit()]
            self.drops.append(Drop(reason, n, lines))
        return frame.loc[~mask]

    def check(self, rows_out: int) -> None:
        """Raise when rows_in ≠ rows_out + rows_dropped (a loader lost rows silently)."""
        if self.rows_in != rows_out + self.rows_dropped:
            raise DxlabError(
                f"{self.source}: row accounting does not balance: {self.rows_in} rows in, "
                f"{rows_out} out, {self.rows_dropped} dropped"
            )

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "rows_in": self.rows_in,
            "rows_dropped": self.rows_dropped,
            "drops": [d.__dict__ for d in self.drops],
        }

    @classmethod
    def from_dict(cls, data: dict) -> RowAccount:
        return cls(data["source"], data["rows_in"], [Drop(**d) for d in data["drops"]])

    def to_frame(self, rows_out: int | None = None) -> pd.DataFrame:
        """A small table for a notebook's data section: one row per reason, plus totals."""
        rows = [{"what": "rows in source", "rows": self.rows_in}]
        rows += [{"what": f"dropped: {d.reason}", "rows": d.rows} for d in self.drops]
        if rows_out is not None:
            rows.append({"what": "rows loaded", "rows": rows_out})
        return pd.DataFrame(rows)
