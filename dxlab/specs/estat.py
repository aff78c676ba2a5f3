"""e-Stat tables stored by ``dxlab fetch estat``: every VALUE row kept; classification
columns vary by table, so the frame is not strict beyond its common fields."""

from dxlab.sources.estat import read_hook
from dxlab.sources.spec import Dataset

estat_table = Dataset(
    name="estat",
    description="An e-Stat getStatsData table (JSON or CSV): code and label columns per "
    "classification, unit, value, special markers with their meaning, parsed time.",
    fields=("value",),
    read=read_hook,
    nullable=("value",),
    strict=False,
)
