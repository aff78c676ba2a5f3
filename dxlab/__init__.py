"""dxlab: municipal digital transformation (自治体DX) research with Japanese official statistics."""

__version__ = "0.1.0"

from dxlab.data import accounting, load, provenance
from dxlab.datasets import catalog

__all__ = ["__version__", "accounting", "catalog", "load", "provenance"]
