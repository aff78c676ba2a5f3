"""The robustness suite's bookkeeping: every fault case is tried through a :class:`Probe`,
which classifies what happened and records it for the summary table printed at the end of
the run (see ``conftest.py``).

Outcomes, per kind of bad input tried:

- ``clear error``: dxlab raised its own error (or exited 2 with a message) naming what the
  case requires (the file, the row, the column, the parameter ...).
- ``unclear error``: dxlab's own error, but the message lacks something it must name.
- ``crash``: any other exception (a traceback from pandas, pyarrow, requests ...).
- ``silent wrong``: bad input accepted, or a wrong result returned without an error.
- ``data lost``: a file that existed before is gone or changed, or a half-written file stays.
- ``accepted``: valid input that must be accepted was accepted (the "support it" cases).
- ``rejected valid``: valid input was refused.

Each probe asserts its own expected outcome, so a regression fails the test that found it;
the summary table shows the whole picture in one place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from dxlab.errors import DxlabError

OUTCOMES = ("clear error", "unclear error", "crash", "silent wrong", "data lost",
            "accepted", "rejected valid")
BAD = ("unclear error", "crash", "silent wrong", "data lost", "rejected valid")


@dataclass
class Record:
    area: str
    kind: str
    outcome: str
    detail: str = ""


RESULTS: list[Record] = []


class Probe:
    """Try one kind of bad (or valid-but-unusual) input and record the outcome.

    Args:
        area: the part of dxlab probed ('clean.numbers', 'loader', 'runner', 'fetch').
        kind: a short name of the case ('thousands separators in wrong places').
    """

    def __init__(self, area: str, kind: str) -> None:
        self.area, self.kind = area, kind

    def _record(self, outcome: str, detail: str = "") -> str:
        RESULTS.append(Record(self.area, self.kind, outcome, detail[:300]))
        return outcome

    def rejects(self, func: Callable[[], object], *, names: Iterable[str] = (),
                errors: tuple[type[BaseException], ...] = (DxlabError,)) -> BaseException:
        """Expect ``func()`` to raise one of ``errors`` whose message contains every string
        of ``names``; record and assert. Returns the exception."""
        try:
            result = func()
        except errors as exc:
            missing = [n for n in names if str(n) not in str(exc)]
            if missing:
                self._record("unclear error", f"message lacks {missing}: {exc}")
                raise AssertionError(f"{self.kind}: error does not name {missing}: {exc}") \
                    from exc
            self._record("clear error", str(exc))
            return exc
        except Exception as exc:
            self._record("crash", f"{type(exc).__name__}: {exc}")
            raise AssertionError(f"{self.kind}: crashed with {type(exc).__name__}: {exc}") \
                from exc
        self._record("silent wrong", f"accepted, returned {result!r}"[:300])
        raise AssertionError(f"{self.kind}: bad input accepted, returned {result!r}"[:500])

    def accepts(self, func: Callable[[], object], check: Callable[[object], bool] | None = None
                ) -> object:
        """Expect ``func()`` to succeed (and ``check(result)`` to hold); record and assert."""
        try:
            result = func()
        except Exception as exc:
            self._record("rejected valid", f"{type(exc).__name__}: {exc}")
            raise AssertionError(f"{self.kind}: valid input rejected: {exc}") from exc
        if check is not None and not check(result):
            self._record("silent wrong", f"returned {result!r}"[:300])
            raise AssertionError(f"{self.kind}: wrong result {result!r}"[:500])
        self._record("accepted")
        return result

    def outcome(self, outcome: str, detail: str = "") -> None:
        """Record an outcome decided by the caller (e.g. a CLI run's exit status and output);
        asserts that it is not one of the bad outcomes."""
        if outcome not in OUTCOMES:
            raise ValueError(outcome)
        self._record(outcome, detail)
        assert outcome not in BAD, f"{self.kind}: {outcome}: {detail}"


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (relative path → digest), to detect data loss."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def lost(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Files present before that are missing or changed after."""
    return [k for k, v in before.items() if after.get(k) != v]


def summary_rows() -> list[tuple[str, int, int, int, int, int, int]]:
    """Per area: kinds tried, clear errors (+ accepted valid), unclear, crashes, silent wrong,
    data lost (rejected-valid counts as silent wrong: dxlab refused what it must read)."""
    areas = sorted({r.area for r in RESULTS})
    rows = []
    for area in areas:
        recs = [r for r in RESULTS if r.area == area]
        count = {o: sum(r.outcome == o for r in recs) for o in OUTCOMES}
        rows.append((area, len(recs), count["clear error"] + count["accepted"],
                     count["unclear error"], count["crash"],
                     count["silent wrong"] + count["rejected valid"], count["data lost"]))
    return rows
