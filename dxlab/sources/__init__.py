"""Reading raw files: one engine, per-format readers, per-publisher hooks.

- :mod:`.tabular`: decoding (UTF-8 / CP932) and CSV records numbered by file line; strict
  number coercion; shared checks.
- :mod:`.spec`: the :class:`~dxlab.sources.spec.Dataset` declaration.
- :mod:`.engine`: spec + raw file(s) → tidy, typed, validated frame and row accounting.
- :mod:`.steps`: derivations shared by specs (age labels, thousands → persons …).
- :mod:`.estat`: the e-Stat JSON/CSV readers and API client.
- :mod:`.census`, :mod:`.ipss`, :mod:`.mic`, :mod:`.nstac`, :mod:`.osaka`: only what is custom
  to one publisher (a wide census table, SSDSE's header rows, published KPI values …).

The dataset declarations themselves are in :mod:`dxlab.specs`.
"""
