"""dxlab.adoption stays importable for scripts written against dxlab 0.1: every name it
re-exports is the very object of its new home."""

from dxlab import adoption, cards, demography
from dxlab.clean import band_labels, dates


def test_moved_names_resolve_to_their_new_homes():
    for name in ("kitagawa", "overall_rate", "project", "cohort_table", "rates_from_counts",
                 "standardise_direct", "standardise_indirect", "majority_year"):
        assert getattr(adoption, name) is getattr(demography, name)
    for name in ("card_rates", "rates_at", "overall_check", "band_rates"):
        assert getattr(adoption, name) is getattr(cards, name)
    assert adoption.decimal_year is dates.decimal_year
    assert adoption.bands_from(["0～4歳", "90歳以上"]) == band_labels("0-4,90+") == ["0-4", "90+"]
