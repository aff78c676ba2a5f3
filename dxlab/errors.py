"""dxlab's own exception types.

Every error raised on bad input says *where* (file, row, column) and *what was expected*,
so a user can open the file and fix it without reading dxlab's code.
"""

from __future__ import annotations

import contextlib
from pathlib import Path


class DxlabError(Exception):
    """Base class of every error dxlab raises on purpose."""


class DataError(DxlabError, ValueError):
    """Bad input data, located as precisely as the caller knows.

    Args:
        problem: what is wrong, in one sentence.
        file: the file being read, if any.
        row: 1-based line number in the file (header = line 1) or a row label.
        column: the column (or JSON key) holding the bad value, as the file names it.
        column_note: how that column relates to the tidy field ("field 'muni_code5'",
            "derived from 'population_raw'"), shown in brackets after it.
        value: the offending value, shown with repr().
        expected: what would have been accepted.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        row: int | str | None = None,
        column: str | None = None,
        value: object = None,
        expected: str | None = None,
        column_note: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.column_note = column_note
        self.value = value
        self.expected = expected
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            note = f" ({self.column_note})" if self.column_note else ""
            where.append(f"column '{self.column}'{note}")
        text = (", ".join(where) + ": " if where else "") + self.problem
        if self.value is not None:
            value = self.value
            if hasattr(value, "item") and not isinstance(value, str | bytes):
                with contextlib.suppress(ValueError, TypeError):
                    value = value.item()  # numpy scalar → Python value, readable in messages
            text += f" (got {value!r})"
        if self.expected:
            text += f"; expected {self.expected}"
        return text

    def located(
        self,
        *,
        file: str | Path | None = None,
        row: int | str | None = None,
        column: str | None = None,
    ) -> DataError:
        """Return a copy of this error with location filled in where it was unknown."""
        return type(self)(
            self.problem,
            file=self.file or file,
            row=self.row if self.row is not None else row,
            column=self.column or column,
            value=self.value,
            expected=self.expected,
            column_note=self.column_note if self.column else None,
        )


class ParseError(DataError):
    """A label or value that a cleaning helper could not interpret."""


class CatalogError(DxlabError):
    """A dataset name, catalog entry or raw file that does not match the catalog."""


class ChecksumError(CatalogError):
    """A raw file whose sha256 differs from the one recorded in the catalog."""


class ParameterError(DxlabError, ValueError):
    """A notebook parameter that does not exist or has the wrong type."""


class FetchError(DxlabError):
    """A download that could not be completed (missing appId, API error, network)."""
