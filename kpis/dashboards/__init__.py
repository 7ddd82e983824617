"""Reads shaped for the dashboard pages, by what each module holds.

- `ranges`: the presets, grains and a page's `DashboardQuery` read from its query string; period labels.
- `definitions`: which cards and charts each dashboard has (`ChartSpec`, `Dashboard`), who may open it,
  and the sections of a person's own numbers.
- `series`: the daily series loaded once per page from the snapshots through `kpis.selectors`, the
  breakdown rows, and the KPI values evaluated from them.
- `cards`: a card's value, its `Change` against the previous period, its sparkline and target status.
- `charts`: `ChartData` (the numbers of a chart, its table and CSV) and building trends and breakdowns.
- `pages`: a whole dashboard, a person's page and one KPI's page, and any one chart of them for its CSV.

Each module imports only from those listed before it.
"""
