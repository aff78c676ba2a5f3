"""Specs, catalog and field dictionary agree, and the generated data dictionary is current."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from conftest import RAW, REPO

from dxlab import fields
from dxlab.datasets import read_catalog
from dxlab.dictionary import DOC_PATH, markdown
from dxlab.sources.spec import Dataset
from dxlab.specs import registry


def test_docs_data_md_is_generated_from_the_current_specs():
    current = (REPO / DOC_PATH).read_text(encoding="utf-8")
    assert current == markdown(), "docs/data.md is stale: run 'dxlab data dictionary'"


def test_cli_check_reports_a_stale_dictionary(tmp_path):
    stale = tmp_path / "data.md"
    stale.write_text("# old\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "dxlab.cli", "data", "dictionary", "--check",
                           "-o", str(stale)], capture_output=True, text=True)
    assert proc.returncode == 1 and "stale" in proc.stderr


def test_every_catalog_entry_has_a_spec_and_every_spec_a_use():
    entries = read_catalog(RAW)
    specs = registry()
    assert {e.spec_name for e in entries.values()} <= set(specs)
    unused = set(specs) - {e.spec_name for e in entries.values()} - {"estat"}
    assert not unused, f"specs without a catalogued dataset: {unused}"


def test_every_field_is_used_by_some_dataset():
    used = {f for s in registry().values() for f in s.output_fields}
    # e-Stat tables (read with the generic, non-strict spec) carry these; their columns vary
    # by table, so the 'estat' spec declares only value (see dxlab.sources.estat.common)
    estat_columns = {"marker", "marker_meaning", "period", "period_start"}
    dead = set(fields.FIELDS) - used - estat_columns
    assert not dead, f"fields no dataset produces: {sorted(dead)}"


def test_a_spec_naming_an_unknown_field_is_refused_at_declaration():
    with pytest.raises(ValueError, match=r"not in the field dictionary: \['populaton'\]"):
        Dataset("x", "typo", fields=("year", "populaton"))
    with pytest.raises(ValueError, match="'age' is not one of its fields"):
        Dataset("x", "key outside fields", fields=("year",), key=("age",))


@pytest.mark.parametrize(("rule", "good", "bad"), [
    (fields.REAL_DATE, ["2020-02-29", "2022-12-31"], ["2017-02-30", "2021-02-29", "2022-1-5",
                                                      "2022/12/31", "20221231"]),
    (fields.FIELDS["pref_code"].rules[0], ["00", "01", "47"], ["48", "1", "001", "AB"]),
    (fields.FIELDS["muni_code5"].rules[0], ["01100", "13101", "47382"],
     ["00100", "48100", "1100", "131016"]),
    (fields.FIELDS["start_time"].rules[0], ["9:05", "14:00", "23:59"], ["24:00", "14:60", "2pm"]),
])
def test_field_rules_accept_and_reject(rule, good, bad):
    assert rule.test(pd.Series(good)).all()
    assert not rule.test(pd.Series(bad)).any()


def test_adding_a_simple_dataset_is_a_short_declaration():
    """The model-population spec (a new dataset of this change) is the whole cost of adding it
    besides its catalog entry: no reader, no schema, no import list."""
    import inspect

    from dxlab.specs import mhlw

    source = inspect.getsource(mhlw)
    declaration = source[source.index("model_population_japan = Dataset("):]
    assert declaration.count("\n") <= 12
