"""Figure families of the old-town brigade: cases (with the evaluation figures of digital city
management), patrols and 门前三包 agreements.

The evaluation figures of a set of cases (GB/T 30428-style; see ``docs/figures.md``):

- 立案数 ``registered``: cases not rejected (不予立案) or cancelled (withdrawn);
- 派遣数 ``dispatched``: registered cases with a squad;
- 处置数 ``handled``: registered cases reported handled at least once; 按期处置数 ``handled_on_time``: first
  reported handled by the deadline;
- 结案数 ``closed``; 结案率 ``closure_rate`` = closed / registered;
- 按期结案率 ``on_time_closure_rate`` = closed and handled by the deadline / registered cases that are
  closed or whose deadline has passed;
- 超期案件 ``overdue``: still waiting to be handled (DISPATCHED, HANDLING) past the deadline, now;
- 返工 ``sent_back``: verifications sent back; 返工率 ``rework_rate`` = sent back / handled;
- handling time: from dispatch (the report: the hub dispatches at once) to the first report of handling,
  in hours, as a mean and a 90th percentile.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from hub.domain import incidents as rules
from hub.domain.figures.facts import CODE, DAY, NUMBER, Column, attribute, layer_source
from hub.domain.figures.family import CATEGORY, KIND, SQUAD, STATE, STATUS, Family, Rows, count, share, total
from hub.domain.figures.groups import Grouped
from hub.store import records as r
from hub.store.catalog import Catalog

SIGNED, UNSIGNED = "SIGNED", "UNSIGNED"


def _seconds(at: datetime | None) -> float | None:
    return None if at is None else at.timestamp()


def _steps(c: Catalog, x: r.Incident) -> list[r.IncidentStep]:
    return c.incident_steps.get(x.id, [])


def _first_handled(c: Catalog, x: r.Incident) -> float | None:
    return next((_seconds(s.at) for s in _steps(c, x) if s.action == rules.REPORT_HANDLED), None)


def _registered(x: Rows) -> np.ndarray:
    return ~x.is_("state", rules.REJECTED, rules.CANCELLED)


def _handled(x: Rows) -> np.ndarray:
    return _registered(x) & ~np.isnan(x["handled_at"])


def _handled_on_time(x: Rows) -> np.ndarray:
    return _handled(x) & (x["handled_at"] <= x["deadline"])


def _closed(x: Rows) -> np.ndarray:
    return x.is_("state", rules.CLOSED)


def _due(x: Rows) -> np.ndarray:
    return _registered(x) & (_closed(x) | (x["deadline"] <= x.now_s))


def _overdue(x: Rows) -> np.ndarray:
    return x.is_("state", *rules.AWAITING_HANDLING) & (x["deadline"] < x.now_s)


def _hours(g: Grouped, x: Rows, q: float | None) -> np.ndarray:
    hours = np.where(_handled(x), (x["handled_at"] - x["reported_s"]) / 3600.0, np.nan)
    return g.mean(hours) if q is None else g.quantile(hours, q)


INCIDENTS = Family(
    name="incidents",
    noun="cases",
    source=layer_source("incidents"),
    layer="incidents",
    columns={
        "category": attribute(CODE, lambda x: x.category),
        "state": attribute(CODE, lambda x: x.state),
        "squad": attribute(CODE, lambda x: x.squad_code),
        "reported": attribute(DAY, lambda x: x.reported_at),
        "closed": attribute(DAY, lambda x: x.closed_at),
        "reported_s": attribute(NUMBER, lambda x: _seconds(x.reported_at)),
        "deadline": attribute(NUMBER, lambda x: _seconds(x.deadline)),
        "handled_at": Column(NUMBER, _first_handled),
        "sent_back": Column(NUMBER, lambda c, x: sum(s.action == rules.SEND_BACK for s in _steps(c, x))),
    },
    attributes={CATEGORY: "category", STATE: "state", SQUAD: "squad"},
    known={STATE: lambda c: rules.STATES, SQUAD: lambda c: tuple(c.squads)},
    dates={"REPORTED": "reported", "CLOSED": "closed"},
    measures={
        "count": count(),
        "registered": count(_registered),
        "dispatched": count(lambda x: _registered(x) & (x["squad"] >= 0)),
        "handled": count(_handled),
        "handled_on_time": count(_handled_on_time),
        "closed": count(_closed),
        "closure_rate": share(count(_closed), count(_registered)),
        "on_time_closure_rate": share(count(lambda x: _closed(x) & _handled_on_time(x)), count(_due)),
        "overdue": count(_overdue),
        "sent_back": total("sent_back"),
        "rework_rate": share(total("sent_back"), count(_handled)),
        "mean_handling_hours": lambda g, x: _hours(g, x, None),
        "p90_handling_hours": lambda g, x: _hours(g, x, 0.9),
    },
    summed=("count", "registered", "dispatched", "handled", "handled_on_time", "closed", "overdue", "sent_back"),
)

PATROLS = Family(
    name="patrols",
    noun="patrols",
    source=layer_source("patrols"),
    layer="patrols",
    columns={
        "squad": attribute(CODE, lambda x: x.squad_code),
        "length": attribute(NUMBER, lambda x: x.length_m),
        "started": attribute(DAY, lambda x: x.started_at),
    },
    attributes={SQUAD: "squad"},
    known={SQUAD: lambda c: tuple(c.squads)},
    dates={"STARTED": "started"},
    measures={"count": count(), "length_m": total("length")},
    summed=("count", "length_m"),
)


def _sector_squad(c: Catalog, m: r.Merchant) -> str | None:
    sector = c.sectors.get(m.sector_code) if m.sector_code else None
    return None if sector is None else sector.squad_code


MERCHANTS = Family(
    name="merchants",
    noun="merchants",
    source=layer_source("merchants"),
    layer="merchants",
    columns={
        "trade": attribute(CODE, lambda x: x.trade),
        "status": attribute(CODE, lambda x: SIGNED if x.agreement is not None else UNSIGNED),
        "squad": Column(CODE, _sector_squad),
        "signed": attribute(DAY, lambda x: x.agreement.signed_on if x.agreement is not None else None),
    },
    attributes={KIND: "trade", STATUS: "status", SQUAD: "squad"},
    known={STATUS: lambda c: (SIGNED, UNSIGNED), SQUAD: lambda c: tuple(c.squads)},
    dates={"SIGNED": "signed"},
    measures={
        "count": count(),
        "signed": count(lambda x: x.is_("status", SIGNED)),
        "signed_share": share(count(lambda x: x.is_("status", SIGNED)), count()),
    },
    summed=("count", "signed"),
)
