"""Dataset specs, one module per publisher; discovered, never listed by hand.

Every module-level :class:`~dxlab.sources.spec.Dataset` in a module of this package is a
spec. Add a dataset by adding a declaration (and its catalog entry); nothing else needs to
know about it.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from dxlab.errors import CatalogError
from dxlab.sources.spec import Dataset


@functools.cache
def registry() -> dict[str, Dataset]:
    """All dataset specs by name.

    Raises:
        CatalogError: two specs with the same name.
    """
    found: dict[str, Dataset] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Dataset):
                if value.name in found and found[value.name] is not value:
                    raise CatalogError(f"two dataset specs are called {value.name!r}")
                found[value.name] = value
    return dict(sorted(found.items()))


def spec(name: str) -> Dataset:
    """The spec called ``name``.

    Raises:
        CatalogError: unknown name (listing the known ones).
    """
    specs = registry()
    if name not in specs:
        raise CatalogError(f"no dataset spec {name!r}; known: {', '.join(specs)}")
    return specs[name]
