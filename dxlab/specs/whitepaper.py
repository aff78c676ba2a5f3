"""情報通信白書 (MIC) figure data: the official series of 通信利用動向調査 published as CSV with
the 令和6年版 white paper."""

from dxlab.sources import mic
from dxlab.sources.spec import Dataset, Drop
from dxlab.sources.steps import derive, mapped

EMPTY = Drop("series not surveyed or not published that year (empty cell)", {"percent": None})
BREAK_2019 = derive("design_break", ("year",), lambda f, _c: f["year"] == "2019",
                    "design_break: the 2019 survey (令和元年調査), whose questionnaire MIC "
                    "flags as not comparable with other years")

mic_whitepaper_internet_use_individuals = Dataset(
    name="mic_whitepaper_internet_use_individuals",
    description="Share of persons who used the internet in the past year, Japan, 1997-2023 "
    "(通信利用動向調査; 令和6年版情報通信白書 figure f00310 "
    "「インターネット利用率（個人）の推移」). "
    "Population basis 15-69 up to 1999, 15-79 in 2000, 6+ from 2001.",
    fields=("year", "indicator", "indicator_ja", "percent", "age_basis", "design_break"),
    key=("year", "indicator"),
    encoding="cp932",
    read=mic.read_whitepaper_figure,
    drops=(EMPTY,),
    steps=(derive("year", ("year_label",), lambda f, c: mic.year_and_sample(f, c)["year"],
                  "year from the row label"),
           mapped("indicator_ja", {"人口利用状況": "internet_use_rate_individuals"},
                  to="indicator"),
           derive("age_basis", ("year",), lambda f, _c: f["year"].astype(int).map(
               lambda y: "15-69" if y <= 1999 else "15-79" if y == 2000 else "6+"),
               "age_basis from MIC's footnote (平成14年版: 15-69 to 1999, 15-79 in 2000, 6+ "
               "from 2001)"),
           BREAK_2019),
)

mic_whitepaper_household_devices = Dataset(
    name="mic_whitepaper_household_devices",
    description="Share of households owning each kind of device, Japan, 1999-2023 "
    "(通信利用動向調査 世帯; 令和6年版情報通信白書 figure f00308 "
    "「情報通信機器の世帯保有率の推移」); "
    "household rates, not individual use. No 2008 survey row.",
    fields=("year", "indicator", "indicator_ja", "percent", "sample_size_n", "design_break"),
    key=("year", "indicator"),
    encoding="cp932",
    read=mic.read_whitepaper_figure,
    drops=(EMPTY,),
    steps=(derive(("year", "sample_size_n"), ("year_label",), mic.year_and_sample,
                  "year and sample size from the row label ('2006（n=4,999）')"),
           mapped("indicator_ja", {
               "固定電話": "fixed_telephone", "FAX": "fax",
               "モバイル端末全体": "mobile_terminal_any", "スマートフォン": "smartphone",
               "パソコン": "personal_computer", "タブレット型端末": "tablet",
               "ウェアラブル端末": "wearable_device",
               "インターネットに接続できる家庭用テレビゲーム機":
                   "internet_capable_home_game_console",
               "インターネットに接続できる携帯型音楽プレイヤー":
                   "internet_capable_portable_music_player",
               "その他インターネットに接続できる家電（スマート家電）等":
                   "other_internet_capable_home_appliance",
           }, to="indicator"),
           derive("percent", ("percent",), lambda f, _c: f["percent"].where(
               f["percent"] != "-", None), "'-' (no figure) → missing"),
           BREAK_2019),
    nullable=("percent",),
)
