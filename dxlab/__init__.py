"""dxlab: municipal digital transformation (自治体DX) research with Japanese official statistics."""

__version__ = "0.1.0"

from dxlab.catalog import catalog  # noqa: E402
from dxlab.data import accounting, load, provenance  # noqa: E402

__all__ = ["__version__", "accounting", "catalog", "load", "provenance"]
