"""What a notebook tells the report index: one headline sentence.

Light on purpose (standard library only), so a notebook can call it anywhere::

    from dxlab.reporting import headline
    headline(f"The 60+ band grew from {a:.1f}% to {b:.1f}% of the population.")

``dxlab run`` shows the sentence beside the report in ``reports/index.html``. Outside
``dxlab run`` (JupyterLab, plain Python) it does nothing. It returns None, so it adds no
output when it is the last line of a cell.
"""

from __future__ import annotations

import json
import os

HEADLINE_ENV = "DXLAB_HEADLINE_FILE"  # set by dxlab run in each report's process
MAX_CHARS = 300


def headline(text: str) -> None:
    """Publish ``text`` as this report's headline finding in the index.

    Args:
        text: one short sentence (whitespace is collapsed; more than 300 characters are cut
            with '…'). Called several times, the last call wins.
    Raises:
        TypeError: ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise TypeError(f"headline() takes a str, got {type(text).__name__}")
    text = " ".join(text.split())
    if len(text) > MAX_CHARS:
        text = text[: MAX_CHARS - 1] + "…"
    target = os.environ.get(HEADLINE_ENV)
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"headline": text}, ensure_ascii=False) + "\n")
