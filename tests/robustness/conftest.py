"""Prints the robustness summary table at the end of any run that collected these tests."""

from __future__ import annotations

from robustness.harness import RESULTS, summary_rows


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not RESULTS:
        return
    tr = terminalreporter
    tr.section("robustness summary")
    head = ("area", "kinds tried", "clear errors", "unclear", "crashes", "silent wrong",
            "data lost")
    rows = summary_rows()
    total = ("total", *(sum(r[i] for r in rows) for i in range(1, len(head))))
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, total, strict=True)]
    for row in (head, *rows, total):
        tr.write_line("  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                                for i, (c, w) in enumerate(zip(row, widths, strict=True))))
