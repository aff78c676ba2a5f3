"""The byte copies bundled in data/raw are the files of ../shared/mirror, byte for byte.
Skipped with a reason where the mirror is absent (any user's clone); the bundled data's
published totals are tested in tests/sources/test_loaders.py and always run."""

from __future__ import annotations

import pytest
from conftest import MIRROR, RAW, needs_mirror

from dxlab.datasets import read_catalog

pytestmark = pytest.mark.mirror

BUNDLED = sorted(f.path for e in read_catalog(RAW).values() for f in e.files
                 if f.path.split("/")[0] in ("census_time_series", "ssdse", "mynumbercard"))


@needs_mirror()
@pytest.mark.parametrize("path", BUNDLED)
def test_bundled_copy_is_the_mirror_file(path):
    assert (RAW / path).read_bytes() == (MIRROR / path).read_bytes()
