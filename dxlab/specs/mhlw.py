"""MHLW (厚生労働省): model (standard) populations for age standardisation."""

from dxlab.sources.spec import Dataset
from dxlab.sources.steps import ages, bands_do_not_overlap

model_population_japan = Dataset(
    name="model_population_japan",
    description="Japan's model populations for direct age standardisation: 昭和60年 (1985, "
    "18 groups to 85+) and 平成27年 (2015, 21 groups to 95+), persons.",
    fields=("standard", "age_group", "age_lo", "age_hi", "population"),
    key=("standard", "age_group"),
    steps=(ages(),),
    checks=(bands_do_not_overlap("standard"),),
)
