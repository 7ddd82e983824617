"""A seeded synthetic business in the dataset format (docs/DATASET_FORMAT.md).

Pure generation: no database, no clock, no global random state. One `random.Random(seed)` drives a
single pass over customers; each customer's journey (leads, new-business attempts, a first win,
upsells, renewals, churn, tickets, surveys) is simulated in time order and written as JSON Lines.

All instants are int seconds since the epoch, kept within the period so that each falls on a date
in `[start, end]` whichever offset (-05:00 .. +03:30) it is written in. The base currency is USD
(`exchange_rate` is null for USD deals).

Modules: `options` (what to generate, record order, units), `reference` (names, stages, channels and
the other constant tables), `randomness` (distributions and random instants drawn from the seed),
`formats` (amounts and instants as written), `business` (staff and campaigns), `journeys` (what
happens to each customer over time) and `writing` (the JSON Lines output).
"""

from .options import DatasetOptions
from .writing import write_dataset

__all__ = ["DatasetOptions", "write_dataset"]
