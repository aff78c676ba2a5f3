"""dxlab.internet: the national series' flags, the training-material arithmetic worked by
hand, the by-age file list and what happens when such a file is present."""

from __future__ import annotations

import pandas as pd
import pytest

import dxlab
from dxlab import internet as I


def test_national_series_flags_the_breaks():
    """f00310: 1999 covers ages 15-69, 2000 ages 15-79, 2019 used another questionnaire;
    2022 (84.9%) is comparable."""
    out = I.national_series(dxlab.load("mic_whitepaper_internet_use_individuals")).set_index(
        "year")
    assert not out.loc[1999, "comparable"] and not out.loc[2000, "comparable"]
    assert not out.loc[2019, "comparable"]
    assert out.loc[2022, "comparable"] and out.loc[2022, "percent"] == 84.9
    assert len(out) == 27


def test_age_points_leave_out_totals_and_unstated_ages():
    out = I.age_points(dxlab.load("mic_internet_usage_by_age_whitepaper", totals=True))
    assert "6+" not in set(out["age_group"]) and "elderly_unspecified" not in set(out["age_group"])
    # 平成16年版: 60歳以上 21.6% and 13-19歳 91.6% at the end of 2003
    y2003 = out[out["survey_year"] == 2003].set_index("age_group")["percent"]
    assert (y2003["60+"], y2003["13-19"]) == (21.6, 91.6)


def toy_population():
    """0-4: 100, 5-9: 100, 10-14: 100, 15-59: 600, 60+: 400 — 1,300 persons."""
    f = pd.DataFrame({"age_group": ["0-4", "5-9", "10-14", "15-59", "60+"],
                      "age_lo": pd.array([0, 5, 10, 15, 60], dtype="Int64"),
                      "age_hi": pd.array([4, 9, 14, 59, None], dtype="Int64"),
                      "population": [100.0, 100.0, 100.0, 600.0, 400.0]})
    return f


def test_training_argument_by_hand():
    """Shares: 15-59 600/1300 = 46.15%. Weekly users 0.96 × 600 = 576 → 576/1300 = 44.31%.
    Aged 6+: 1300 − 100 − 100/5 = 1180; official rate 0.8 → 944 users = 72.62% of everyone.
    60+ users if both surveys held: 944 − 576 = 368 → at most 368/400 = 92%; aged 6-14 are
    4/5 × 100 + 100 = 180, so at least (368 − 180)/400 = 47%."""
    out = I.training_argument(toy_population(), internet_rate=0.8, card_share=0.5).set_index(
        "quantity")["percent"]
    assert out["share 15-59"] == pytest.approx(100 * 600 / 1300)
    assert out.filter(like="weekly").iloc[0] == pytest.approx(100 * 576 / 1300)
    assert out.filter(like="internet users 6+").iloc[0] == pytest.approx(100 * 944 / 1300)
    assert out.filter(like="highest").iloc[0] == pytest.approx(92.0)
    assert out.filter(like="lowest").iloc[0] == pytest.approx(47.0)
    assert out["My Number Card adopter share (all ages)"] == pytest.approx(50.0)


def test_by_age_files_are_listed_with_download_commands():
    """SOURCES.md section 10: 000040057181 (2022), 000040185447 (2023), 000040278945 (2024)."""
    ids = [t["stat_inf_id"] for t in I.BY_AGE_TABLES]
    assert ids == ["000040057181", "000040185447", "000040278945"]
    commands = I.download_commands("data/raw")
    assert all(c.startswith("curl -L -o data/raw/") for c in commands)
    assert all(sid in c for sid, c in zip(ids, commands, strict=True))


def test_by_age_status_reports_absent_and_unreadable_files(tmp_path):
    """Nothing is guessed from a file whose layout dxlab cannot read: it is reported."""
    out = I.by_age_status(tmp_path)
    assert (out["status"] == "absent").all() and not out["present"].any()
    (tmp_path / I.BY_AGE_TABLES[0]["file"]).write_text("表15,,\n年齢,利用した\n", encoding="utf-8")
    out = I.by_age_status(tmp_path).set_index("survey_year")
    assert out.loc["2022", "present"]
    assert out.loc["2022", "status"].startswith("present but not readable")


def test_age_rows_pick_the_age_labels_of_an_estat_frame():
    f = pd.DataFrame({"cat01_code": ["100", "110", "120"],
                      "cat01": pd.Categorical(["総数", "6～12歳", "80歳以上"]),
                      "value": [1.0, 2.0, 3.0]})
    out = I.age_rows(f)
    assert out["cat01"].tolist() == ["6～12歳", "80歳以上"]
    assert out["age_lo"].tolist() == [6, 80] and pd.isna(out["age_hi"].iloc[1])
