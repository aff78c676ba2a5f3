"""dxlab.areas: indirect age-sex standardisation of areas, worked by hand on toy tables and
checked on the bundled municipal data against national totals."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

import dxlab
from dxlab import areas, data
from dxlab.errors import ChecksumError, DataError


def toy_structure():
    """Two towns, one sex for simplicity. Old town: 100 children, 300 adults, 600 aged 65+.
    Young town: 300 / 600 / 100. Nobody town: 0 everywhere."""
    rows = []
    for area, pops in (("old", (100, 300, 600)), ("young", (300, 600, 100)),
                       ("nobody", (0, 0, 0))):
        for band, p in zip(("0-14", "15-64", "65+"), pops, strict=True):
            rows.append({"muni_code5": area, "sex": "male", "age_group": band, "population": p})
    return pd.DataFrame(rows)


def test_shares_and_the_town_with_no_census_population():
    sh = areas.shares(toy_structure()).set_index(["muni_code5", "age_group"])["share"]
    assert sh["old", "65+"] == pytest.approx(0.6) and sh["young", "0-14"] == pytest.approx(0.3)
    assert sh["nobody"].isna().all()


def test_compare_by_hand():
    """Reference rates children 0.4, adults 0.6, 65+ 0.5 (one date).
    Expected rate: old = 0.1*0.4 + 0.3*0.6 + 0.6*0.5 = 0.04 + 0.18 + 0.30 = 0.52;
    young = 0.12 + 0.36 + 0.05 = 0.53.
    Registers: old 2000 persons with 1248 cards (observed 0.624); young 1000 with 530 cards
    (0.53); nobody 50 with 20 cards. National = (1248 + 530 + 20) / 3050 = 1798/3050.
    Old: expected cards 0.52*2000 = 1040, O/E = 1248/1040 = 1.2; age part = 0.52 − national,
    local part = 0.624 − 0.52 = 0.104. Young: O/E = 1."""
    sh = areas.shares(toy_structure())
    rates = pd.DataFrame({"reference_date": "2022-12-31", "sex": "male",
                          "age_group": ["0-14", "15-64", "65+"], "rate": [0.4, 0.6, 0.5]})
    observed = pd.DataFrame({"reference_date": "2022-12-31",
                             "muni_code5": ["old", "young", "nobody"],
                             "population": [2000, 1000, 50], "cards_issued": [1248, 530, 20]})
    out = areas.compare(observed, sh, rates).set_index("muni_code5")
    national = 1798 / 3050
    assert out.loc["old", "expected_rate"] == pytest.approx(0.52)
    assert out.loc["young", "expected_rate"] == pytest.approx(0.53)
    assert out.loc["old", "oe"] == pytest.approx(1.2) and out.loc["young", "oe"] == pytest.approx(1)
    assert out.loc["old", "age_part"] == pytest.approx(0.52 - national)
    assert out.loc["old", "local_part"] == pytest.approx(0.104)
    assert out.loc["old", "oe_lo"] < 1.2 < out.loc["old", "oe_hi"]
    assert not out.loc["nobody", "computable"] and np.isnan(out.loc["nobody", "oe"])
    # the two parts add up to the gap to the national rate
    gap = out["observed_rate"] - out["national_rate"]
    assert np.allclose((out["age_part"] + out["local_part"])[out["computable"]],
                       gap[out["computable"]])
    pref = areas.aggregate(out.reset_index().assign(pref="X"), "pref").iloc[0]
    # (1248 + 530) / (1040 + 530) = 1778/1570; 'nobody' left out of both sums
    assert pref["oe"] == pytest.approx(1778 / 1570) and pref["areas_left_out"] == 1


def test_variance_explained_by_hand():
    """If every area is exactly as expected, age structure explains everything (1); if the
    expected rate is the same everywhere, it explains nothing (0)."""
    d = pd.DataFrame({"computable": True, "observed_rate": [0.5, 0.6, 0.7],
                      "expected_rate": [0.5, 0.6, 0.7], "population": [1, 2, 3]})
    assert areas.variance_explained(d)["share_explained"] == pytest.approx(1)
    d["expected_rate"] = 0.6
    assert areas.variance_explained(d)["share_explained"] == pytest.approx(0)


def test_rates_to_bands_weights_by_population():
    """Survey rates 6-12: 0.8, 13-19: 1.0, 20+: 0.5. Population 100 persons at every single
    age 0-24 (uniform). Target 0-14: ages 6-12 (700 persons at 0.8) and 13-14 (200 at 1.0)
    → (560 + 200) / 900 = 0.8444; ages 0-5 are not covered by the survey (600 persons).
    Target 15+: 15-19 (500 at 1.0) and 20-24 (500 at 0.5) → 750 / 1000 = 0.75."""
    rates = pd.DataFrame({"age_lo": pd.array([6, 13, 20], dtype="Int64"),
                          "age_hi": pd.array([12, 19, None], dtype="Int64"),
                          "rate": [0.8, 1.0, 0.5]})
    weights = pd.DataFrame({"age_lo": pd.array(range(25), dtype="Int64"),
                            "age_hi": pd.array(range(25), dtype="Int64"),
                            "age_group": [str(a) for a in range(25)], "population": 100.0})
    out = areas.rates_to_bands(rates, weights, bands=("0-14", "15+")).set_index("age_group")
    assert out.loc["0-14", "rate"] == pytest.approx(760 / 900)
    assert out.loc["15+", "rate"] == pytest.approx(0.75)


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real():
    structure = areas.census_structure(dxlab.load("ssdse_a_2025_municipal"))
    cards = dxlab.load("mic_mynumber_card_age_sex", totals=True)
    rates = areas.reference_rates(cards)
    muni = dxlab.load("mic_mynumber_card_municipal")
    muni = muni[muni["reference_date"].isin(set(rates["reference_date"]))]
    return structure, cards, rates, muni


def test_census_structure_reproduces_the_2020_census(real):
    """Age-known 2020 census total: 126,146,099 − 2,931,838 age not stated = 123,214,261
    (the band sum of census_population_japan_age_sex for 2020)."""
    structure = real[0]
    assert structure["population"].sum() == 123_214_261
    assert structure["muni_code5"].nunique() == 1741
    futaba = structure[structure["muni_code5"] == "07546"]
    assert futaba["population"].sum() == 0


def test_expected_cards_sum_to_the_national_total_with_the_national_structure(real):
    """Give every municipality the national register's own age-sex structure on a date:
    Σ expected cards = Σ register population × Σ_g w_g R_g = national cards, up to the
    55-72 persons the age bands miss (SOURCES.md 12a) and rounding."""
    _structure, _cards, rates, muni = real
    for date in ("2017-05-15", "2022-12-31"):
        r = rates[rates["reference_date"] == date]
        w = r.assign(share=r["population"] / r["population"].sum())
        codes = muni.loc[muni["reference_date"] == date, "muni_code5"].unique()
        sh = pd.concat([w[["sex", "age_group", "share"]].assign(muni_code5=c) for c in codes])
        out = areas.compare(muni[muni["reference_date"] == date], sh, r)
        national_cards = r["cards_issued"].sum()
        assert out["expected_cards"].sum() == pytest.approx(national_cards, rel=2e-6)
        assert out["observed_cards"].sum() == national_cards


def test_futaba_is_not_computable_and_nothing_divides_by_zero(real):
    structure, _cards, rates, muni = real
    out = areas.compare(muni, areas.shares(structure), rates)
    futaba = out[out["muni_code5"] == "07546"]
    assert len(futaba) == 38 and not futaba["computable"].any()
    assert futaba["expected_cards"].isna().all() and np.isfinite(futaba["observed_rate"]).all()
    assert out.loc[out["computable"], "oe"].notna().all()


def test_reference_rates_reproduce_the_published_band_counts(real):
    """On 2022-12-31 the eight sex × band rates recombine to the published national cards:
    Σ cards = 71,905,789 (全体, both sexes), Σ population equals the bands' population."""
    _s, _cards, rates, _m = real
    r = rates[rates["reference_date"] == "2022-12-31"]
    assert len(r) == 8 and r["cards_issued"].sum() == 71_905_789
    assert ((r["rate"] > 0) & (r["rate"] < 1)).all()


def test_compare_refuses_dates_without_reference_rates(real):
    structure, _cards, rates, _m = real
    muni = dxlab.load("mic_mynumber_card_municipal")
    with pytest.raises(DataError, match="no reference rates for some dates"):
        areas.compare(muni, areas.shares(structure), rates)


@pytest.fixture(scope="module")
def bundle():
    return areas.load()


@pytest.mark.parametrize(("key", "code"), [("45202", "45202"), ("452025", "45202"),
                                           (45202, "45202"), ("1100", "01100"),
                                           ("都城市", "45202"), ("Miyakonojo", "45202"),
                                           ("miyakonojo city", "45202")])
def test_resolve_municipality(bundle, key, code):
    assert areas.resolve_municipality(key, bundle.names) == code


@pytest.mark.parametrize(("key", "message"), [
    ("452026", "wrong check digit.*expected 452025"),
    ("45299", "no municipality with code 45299.*near: .*45341 三股町"),
    ("府中市", "2 municipalities are called '府中市'.*13206 東京都府中市, 34208 広島県府中市"),
    ("Miyakonoj", "no municipality called 'Miyakonoj'.*near: Miyakonojo City"),
])
def test_resolve_municipality_errors_name_near_matches(bundle, key, message):
    with pytest.raises(DataError, match=message):
        areas.resolve_municipality(key, bundle.names)


def test_tables_on_a_date(bundle):
    """Every municipality is in the table; only 双葉町 is not computable; prefecture sums of
    observed cards equal the published national total (71,905,789 on 2022-12-31)."""
    m = areas.municipal_table(bundle, "2022-12-31")
    p = areas.prefecture_table(bundle, "2022-12-31")
    assert len(m) == 1741 and list(m.index[~m["computable"]]) == ["07546"]
    assert len(p) == 47 and p["observed_cards"].sum() + m.loc["07546", "observed_cards"] \
        == 71_905_789
    assert set(p["rank_adjusted"]) == set(range(1, 48))
    with pytest.raises(DataError, match="no comparison for 2022-12-30"):
        areas.municipal_table(bundle, "2022-12-30")


def test_the_cached_comparison_equals_a_fresh_one(tmp_path, monkeypatch):
    """The derived cache (data/processed/areas-<key>/) returns what a fresh build returns."""
    monkeypatch.setenv("DXLAB_CACHE_DIR", str(tmp_path))
    fresh = areas.load(cache=False)
    first = areas.load()
    assert len(list(tmp_path.glob("areas-*/*.parquet"))) == 5
    cached = areas.load()
    for name in ("structure", "rates", "municipal", "prefectural"):
        pd.testing.assert_frame_equal(getattr(cached, name).reset_index(drop=True),
                                      getattr(fresh, name).reset_index(drop=True),
                                      check_dtype=False)
    pd.testing.assert_frame_equal(cached.names, fresh.names, check_dtype=False,
                                  check_categorical=False)
    assert cached.dates == fresh.dates == first.dates
    # Served from the cache, the data section says what the loaded inputs say.
    inputs = [data.load("ssdse_a_2025_municipal"),
              data.load("mic_mynumber_card_age_sex", totals=True),
              data.load("mic_mynumber_card_municipal")]
    assert data.provenance_markdown(*cached.sources) == data.provenance_markdown(*inputs)
    pd.testing.assert_frame_equal(data.accounting_table(*cached.sources),
                                  data.accounting_table(*inputs))


def test_the_cached_comparison_still_checks_and_lists_its_inputs(tmp_path, monkeypatch):
    """Served from the cache, the inputs are checked against their sha256 (a changed file
    raises, as dxlab.load would) and listed as the running report's sources."""
    root = tmp_path / "data"
    shutil.copytree(REPO / "data" / "raw", root / "raw")
    monkeypatch.setenv("DXLAB_DATA_DIR", str(root))
    monkeypatch.setenv("DXLAB_CACHE_DIR", str(tmp_path / "cache"))
    areas.load()  # builds the cache
    log = tmp_path / "sources.jsonl"
    monkeypatch.setenv(data.SOURCES_LOG_ENV, str(log))
    with monkeypatch.context() as m:
        m.setattr(data, "load", lambda *a, **k: pytest.fail("an input was read"))
        served = areas.load()
    listed = [json.loads(line)["name"] for line in log.read_text().splitlines()]
    assert listed == ["ssdse_a_2025_municipal", "mic_mynumber_card_age_sex",
                      "mic_mynumber_card_municipal"]
    assert [s.attrs["provenance"]["name"] for s in served.sources] == listed
    card_file = root / "raw" / "mynumbercard" / "20221231" / "all_localgovs.csv"
    with open(card_file, "ab") as fh:
        fh.write(b"\n")
    with pytest.raises(ChecksumError, match="20221231"):
        areas.load()
