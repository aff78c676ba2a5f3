"""Damaged raw files for EVERY bundled dataset, through the real loader path.

Each case damages one raw file of a private copy of ``data/`` in one way, records the damaged
file's sha256 in that copy's catalog (so the sha check does not pre-empt the reader — it is
the reader's answer we test), and calls ``dxlab.load(name, cache=False)``. Through a
:class:`~robustness.harness.Probe`, the outcome must be dxlab's own error naming the file and,
where the damage sits in a row or column, that line and that column — never a traceback from
pandas/pyarrow/csv, never silent acceptance. Two kinds must be *accepted*: the file rewritten
unchanged (a check of this machinery) and, for readers that find columns by name, an extra
column (ignored: the frame equals the undamaged one).

Kinds: truncated mid-record, wrong encoding (UTF-16, as Excel's "Unicode text" writes), extra
and missing column, non-numeric cell, duplicate row, empty file, a 200 KiB cell, negative count
(or negative share where a table has no count), 'NaN' and 'inf' text, unreadable file, header
only. Multi-file datasets (the 47 municipal card tables) are damaged in their first file.

Unreadable: tests may run as root, where ``chmod 000`` does not stop reads; the file is then
replaced by a directory of the same name (what a botched unzip or copy leaves), which no user
can read as a file. As another user, ``chmod 000`` is tried as well.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from conftest import RAW

import dxlab
from dxlab.datasets import read_catalog
from robustness.harness import Probe

HUGE = "x" * (200 * 1024)  # over the csv module's 128 KiB field limit


@dataclass(frozen=True)
class Profile:
    """How to damage one dataset's raw file.

    numeric: the column (header name, or index for positional files) edited by the
        non-numeric / NaN / inf cases; ``column`` is how the error must name it.
    count: a column that must not be negative (default: ``numeric``).
    pick: which data record to edit (default: the middle one); a predicate on the record
        as {header: cell}, searched from the middle on.
    positional: the reader finds columns by position (SSDSE-A, white-paper figure CSVs):
        an extra or missing column there is a ragged row.
    """

    dataset: str
    numeric: str | int
    column: str
    count: str | int | None = None
    count_column: str | None = None
    negative: str = "-5"
    pick: Callable[[dict], bool] | None = None
    positional: bool = False
    quote_all: bool = False


PROFILES = [
    Profile("census_population_japan_age_sex", "population", "population"),
    Profile("census_estimates_population_japan_age_sex", "population", "population",
            pick=lambda r: r["value_type"] != "derived_sum_of_male_and_female"),
    Profile("ipss2017_projection_japan_age_sex", "population", "population"),
    Profile("projection_japan_age3", "value", "value",
            pick=lambda r: r["unit"] == "thousand persons"),
    Profile("ipss_population_prefecture_age3", "population", "population"),
    Profile("census_population_prefecture_total", "population", "population",
            pick=lambda r: bool(r["population"])),
    Profile("ipss2018_projection_prefecture_total", "population", "population"),
    Profile("mic_mynumber_card_age_sex", "population", "population", count="cards_issued",
            count_column="cards_issued"),
    Profile("mic_mynumber_card_prefecture", "population", "population", count="cards_issued",
            count_column="cards_issued"),
    Profile("mic_mynumber_card_municipal", "総数（人口）", "総数（人口）", count="交付枚数",
            count_column="交付枚数", quote_all=True),
    Profile("mic_internet_usage_by_age_whitepaper", "percent", "percent"),
    Profile("mic_internet_usage_by_age_secondary", "percent", "percent",
            pick=lambda r: r["survey_year"] == "2008"),
    Profile("mic_digital_adoption_prefecture", "value", "value",
            pick=lambda r: r["unit"] == "percent" and bool(r["value"])),
    Profile("mic_dx_case_studies_2023", "population_raw", "population_raw",
            negative="-134.2万人", pick=lambda r: bool(r["population_raw"])),
    Profile("osaka_dx_kpi_fy2023", "value_raw", "value_raw", count="management_issue_no",
            count_column="management_issue_no", negative="-1",
            pick=lambda r: r["kind"] == "count"),
    Profile("osaka_dx_advisor_dispatch_2021", "audience_count", "audience_count"),
    Profile("ssdse_b_2026_prefecture", "value", "value", pick=lambda r: r["item_code"] == "A1101"),
    Profile("ssdse_e_2026_prefecture", "value", "value",
            pick=lambda r: r["item_code"] == "A1101" and r["pref_code"] != "00"),
    Profile("census_c03_prefecture_age_sex", "人口（男）", "人口（男）",
            pick=lambda r: r["年齢5歳階級"] not in ("総数", "70歳以上")
            and r["都道府県コード"].isdigit()),
    Profile("ssdse_a_2025_municipal", 3, "総人口", positional=True),
    Profile("model_population_japan", "population", "population"),
    Profile("census_single_year_age_fmsb", "population", "population"),
    Profile("mic_whitepaper_internet_use_individuals", 1, "人口利用状況", positional=True,
            quote_all=True),
    Profile("mic_whitepaper_household_devices", 1, "固定電話", positional=True, quote_all=True,
            pick=lambda r: r[1] not in ("", "-")),
]
BY_NAME = {p.dataset: p for p in PROFILES}


def test_every_bundled_dataset_has_a_profile():
    assert set(BY_NAME) == set(read_catalog(RAW)), "add a Profile for each new dataset"


# ----------------------------------------------------------------------------- the file


@dataclass
class RawText:
    """A raw file as records, rendered back the same way (encoding, BOM, line ends, quoting):
    ``parts[i]`` is record i as text, ``lines[i]`` the file line it starts on."""

    path: Path
    encoding: str
    bom: bool
    newline: str
    records: list[list[str]]
    header: int  # index of the header record (column names)
    first_data: int
    quote_all: bool = False
    parts: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path, profile: Profile) -> RawText:
        data = path.read_bytes()
        bom = data.startswith(b"\xef\xbb\xbf")
        try:
            text, encoding = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = data.decode("cp932"), "cp932"
        newline = "\r\n" if "\r\n" in text else "\n"
        records = list(csv.reader(io.StringIO(text, newline="")))
        header, first = 0, 1
        if profile.dataset == "ssdse_a_2025_municipal":
            header, first = 2, 3
        elif profile.positional:  # white-paper figure CSV: titles after @@Title, data after
            tags = [i for i, r in enumerate(records) if r and r[0].startswith("@")]
            header = next(i for i, r in enumerate(records) if r[:1] == ["@@Title"]) + 1
            first = tags[-1] + 1
        rt = cls(path, encoding, bom, newline, records, header, first, profile.quote_all)
        rt.parts = [rt.render_one(r) for r in records]
        line = 1
        for part in rt.parts:
            rt.lines.append(line)
            line += part.count("\n")
        return rt

    def render_one(self, record: list[str]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator=self.newline,
                   quoting=csv.QUOTE_ALL if self.quote_all else csv.QUOTE_MINIMAL
                   ).writerow(record)
        return buf.getvalue()

    def columns(self) -> list[str]:
        return self.records[self.header]

    def index(self, column: str | int) -> int:
        return column if isinstance(column, int) else self.columns().index(column)

    def row(self, profile: Profile) -> int:
        """Index of the data record to edit."""
        data = range(self.first_data, len(self.records))
        middle = self.first_data + len(data) // 2
        if profile.pick is None:
            return middle
        names = self.columns()
        for i in [*range(middle, len(self.records)), *range(self.first_data, middle)]:
            rec = self.records[i]
            as_dict = dict(zip(names, rec, strict=False)) if not profile.positional else rec
            if len(rec) == len(names) and profile.pick(as_dict):
                return i
        raise AssertionError(f"no record matches the profile's pick in {self.path}")

    def text(self, *, replace: dict[int, list[str]] | None = None,
             append: list[list[str]] = (), upto: int | None = None) -> str:
        """The file with records replaced / appended / cut after ``upto`` records."""
        parts = self.parts if upto is None else self.parts[:upto]
        if replace:
            parts = list(parts)
            for i, rec in replace.items():
                parts[i] = self.render_one(rec)
        return "".join([*parts, *(self.render_one(r) for r in append)])

    def with_columns(self, edit: Callable[[list[str], bool], list[str]]) -> str:
        """Every record from the header on edited (``edit(record, is_header)``)."""
        out = self.parts[: self.header]
        out += [self.render_one(edit(r, i == self.header))
                for i, r in enumerate(self.records) if i >= self.header]
        return "".join(out)

    def encode(self, text: str) -> bytes:
        return (b"\xef\xbb\xbf" if self.bom else b"") + text.encode(self.encoding)


_PARSED: dict[str, RawText] = {}


def raw_text(path: Path, profile: Profile) -> RawText:
    """The parsed file, once per dataset (cases never modify it)."""
    if profile.dataset not in _PARSED:
        _PARSED[profile.dataset] = RawText.read(path, profile)
    return _PARSED[profile.dataset]


# ----------------------------------------------------------------------------- the data copy


@pytest.fixture(scope="module")
def private_raw(tmp_path_factory):
    """A private copy of data/raw (module-wide; each case restores what it damaged)."""
    data = tmp_path_factory.mktemp("robust-data")
    shutil.copytree(RAW, data / "raw")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DXLAB_DATA_DIR", str(data))
        mp.setenv("DXLAB_CACHE_DIR", str(data / "processed"))
        yield data / "raw"


_BASELINE: dict[str, pd.DataFrame] = {}


def baseline(name: str) -> pd.DataFrame:
    if name not in _BASELINE:
        _BASELINE[name] = dxlab.load(name, cache=False)
    return _BASELINE[name]


def _first_file(raw: Path, name: str) -> Path:
    return read_catalog(raw)[name].paths(raw)[0]


def load_damaged(raw: Path, name: str, damage: Callable[[Path], None]):
    """Damage the dataset's (first) raw file, record its new sha256, load, restore."""
    path = _first_file(raw, name)
    catalog = raw / "catalog.toml"
    original, catalog_text = path.read_bytes(), catalog.read_text(encoding="utf-8")
    old_sha = hashlib.sha256(original).hexdigest()
    assert catalog_text.count(old_sha) == 1
    try:
        damage(path)
        if path.is_file() and os.access(path, os.R_OK):
            new_sha = hashlib.sha256(path.read_bytes()).hexdigest()
            catalog.write_text(catalog_text.replace(old_sha, new_sha), encoding="utf-8")
        return dxlab.load(name, cache=False)
    finally:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.chmod(0o644)
        path.write_bytes(original)
        catalog.write_text(catalog_text, encoding="utf-8")


# ----------------------------------------------------------------------------- the damage


def _set(rec: list[str], i: int, value: str) -> list[str]:
    return [*rec[:i], value, *rec[i + 1:]]


def case(kind: str, p: Profile, rt: RawText):
    """(damage(path), names the error must contain) for one kind of damage; names None
    means the damaged file is valid and must load to the undamaged frame."""
    fname = rt.path.name
    recs = rt.records
    i = rt.row(p)
    line = rt.lines[i]

    def writing(text: str):
        data = rt.encode(text)
        return lambda path: path.write_bytes(data)

    def with_cell(column, value, column_name):
        text = rt.text(replace={i: _set(recs[i], rt.index(column), value)})
        return writing(text), [fname, f"row {line}", f"'{column_name}'"]

    if kind == "rewritten unchanged":
        return writing(rt.text()), None
    if kind == "truncated mid-record":
        start = len(rt.text(upto=i))  # offset of record i
        text = rt.text()
        return writing(text[: text.index(",", start) + 2]), [fname, f"row {line}"]
    if kind == "wrong encoding (UTF-16)":
        data = rt.text().encode("utf-16")
        return (lambda path: path.write_bytes(data)), [fname, "UTF-16"]
    if kind == "extra column":
        if p.positional:
            return writing(rt.text(replace={i: [*recs[i], "extra"]})), [fname, f"row {line}"]
        text = rt.with_columns(lambda r, head: [*r, "extra_column" if head else "x"])
        return writing(text), None
    if kind == "missing column":
        if p.positional:
            return writing(rt.text(replace={i: recs[i][:-1]})), [fname, f"row {line}"]
        j = rt.index(p.numeric)
        return writing(rt.with_columns(lambda r, head: r[:j] + r[j + 1:])), \
            [fname, f"'{p.column}'"]
    if kind == "non-numeric cell":
        return with_cell(p.numeric, "abc", p.column)
    if kind == "'NaN' text":
        return with_cell(p.numeric, "NaN", p.column)
    if kind == "'inf' text":
        return with_cell(p.numeric, "inf", p.column)
    if kind == "negative count":
        return with_cell(p.count or p.numeric, p.negative, p.count_column or p.column)
    if kind == "200 KiB cell":
        return with_cell(0, HUGE, rt.columns()[0] or "field 1")
    if kind == "duplicate row":
        dup_line = rt.lines[-1] + rt.parts[-1].count("\n")
        return writing(rt.text(append=[recs[i]])), [fname, "duplicate", f"row {dup_line}"]
    if kind == "empty file":
        return (lambda path: path.write_bytes(b"")), [fname, "empty"]
    if kind == "header only":
        return writing(rt.text(upto=rt.first_data)), [fname, "no data rows"]
    if kind == "unreadable (a directory in its place)":
        def damage(path):
            path.unlink()
            path.mkdir()
            (path / "inner.csv").write_text("x\n")
        return damage, [fname, "not a regular file"]
    if kind == "unreadable (no read permission)":
        return (lambda path: path.chmod(0)), [fname, "cannot read"]
    raise ValueError(kind)


KINDS = ["rewritten unchanged", "truncated mid-record", "wrong encoding (UTF-16)",
         "extra column", "missing column", "non-numeric cell", "duplicate row", "empty file",
         "200 KiB cell", "negative count", "'NaN' text", "'inf' text",
         "unreadable (a directory in its place)", "unreadable (no read permission)",
         "header only"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", [p.dataset for p in PROFILES])
def test_damaged_file(private_raw, name, kind):
    if kind == "unreadable (no read permission)" and os.geteuid() == 0:
        pytest.skip("running as root: chmod 000 does not stop reads (the directory case "
                    "covers an unreadable file)")
    profile = BY_NAME[name]
    rt = raw_text(_first_file(private_raw, name), profile)
    damage, names = case(kind, profile, rt)
    probe = Probe("loader", f"{name}: {kind}")
    if names is None:
        want = baseline(name)
        probe.accepts(lambda: load_damaged(private_raw, name, damage),
                      lambda got: got.equals(want))
    else:
        probe.rejects(lambda: load_damaged(private_raw, name, damage), names=names)


# ----------------------------------------------------------------------------- dates
# Every date field must name a day that exists (the field dictionary's REAL_DATE rule); a
# date in another shape is not silently reinterpreted.
DATES = [  # (dataset, raw column, how the error names it)
    ("mic_mynumber_card_age_sex", "reference_date", "reference_date"),
    ("mic_mynumber_card_age_sex", "population_reference_date", "population_reference_date"),
    ("mic_mynumber_card_prefecture", "cards_reference_date", "cards_reference_date"),
    ("mic_mynumber_card_municipal", "人口算出基準日", "人口算出基準日"),
    ("osaka_dx_advisor_dispatch_2021", "dispatch_date", "dispatch_date"),
]
BAD_DATES = {"30 February": "2019-02-30", "29 February of a common year": "2019-02-29",
             "month 13": "2019-13-01", "day 0": "2019-04-00",
             "not ISO (day/month/year)": "01/04/2019"}


@pytest.mark.parametrize("bad", list(BAD_DATES))
@pytest.mark.parametrize(("name", "column", "shown"), DATES,
                         ids=[f"{d}.{c}" for d, c, _ in DATES])
def test_impossible_date(private_raw, name, column, shown, bad):
    profile = BY_NAME[name]
    rt = raw_text(_first_file(private_raw, name), profile)
    i = rt.row(profile)
    value = BAD_DATES[bad]
    if "/" in rt.records[i][rt.index(column)] and not value.startswith("01/"):
        value = value.replace("-", "/")  # the municipal files write YYYY/MM/DD
    data = rt.encode(rt.text(replace={i: _set(rt.records[i], rt.index(column), value)}))
    Probe("loader", f"{name}: {column} {bad}").rejects(
        lambda: load_damaged(private_raw, name, lambda path: path.write_bytes(data)),
        names=[rt.path.name, f"row {rt.lines[i]}", f"'{shown}'", "exists on the calendar"])
