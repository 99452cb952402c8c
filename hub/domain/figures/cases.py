"""Figure families of the townships' safety hazards and the residents' micro-service requests, both cases on the
shared workflow (``hub.domain.workflow``).

Hazards (``hazardFigures``): a hazard is a point (its premises'), so it belongs to the township and village
containing it. Groupings: ``CATEGORY`` (the premises' category), ``SEVERITY`` (GENERAL, MAJOR), ``KIND``,
``STATE``, ``CAMPAIGN``; dates ``FOUND`` (default), ``RECTIFIED`` (first reported rectified) and ``CLOSED``
(verified or cancelled). Measures:

- ``count`` every hazard found (cancelled ones included), ``major`` of them 重大隐患;
- ``open``: not verified (销号) or cancelled; ``overdue``: still to be rectified past the deadline's day, now;
- ``rectified``: reported rectified at least once (not cancelled); ``rectified_on_time``: first reported
  rectified by the end of the deadline's day; ``verified``: re-inspected and closed;
- ``rectification_rate`` = verified / (count − cancelled); ``on_time_rate`` = rectified on time / hazards not
  cancelled that are rectified or past their deadline now.

Micro-service requests (``serviceRequestFigures``): a request is its compound's point, so it belongs to that
compound, community and subdistrict. Groupings: ``KIND`` (the service), ``CATEGORY`` (the channel it came
through), ``STATE``, ``TEAM``; dates ``REQUESTED`` (default) and ``DONE`` (first reported done). Measures:
``count``, ``done`` (reported done: DONE or RATED), ``done_on_time`` (by the deadline), ``open`` (still to
be done), ``overdue`` (open past the deadline, now), ``rated``, ``mean_rating`` and ``mean_days_to_done``.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from hub.domain import hazards as hz
from hub.domain import microservices as ms
from hub.domain.figures.facts import CODE, DAY, NUMBER, Column, attribute, layer_source
from hub.domain.figures.family import (
    CAMPAIGN,
    CATEGORY,
    KIND,
    SEVERITY,
    STATE,
    TEAM,
    Family,
    Rows,
    count,
    share,
)
from hub.domain.figures.groups import Grouped
from hub.store import records as r
from hub.store.catalog import Catalog


def _seconds(at: datetime | None) -> float | None:
    return None if at is None else at.timestamp()


def _first(c: Catalog, kind: str, case_id: int, action: str) -> datetime | None:
    return next((s.at for s in c.case_steps.get((kind, case_id), []) if s.action == action), None)


def _rectified_at(c: Catalog, x: r.Hazard) -> datetime | None:
    return _first(c, hz.KIND, x.id, hz.REPORT_RECTIFIED)


def _not_cancelled(x: Rows) -> np.ndarray:
    return ~x.is_("state", hz.CANCELLED)


def _rectified(x: Rows) -> np.ndarray:
    return _not_cancelled(x) & ~np.isnan(x["rectified_s"])


def _on_time(x: Rows) -> np.ndarray:
    return _rectified(x) & (x["rectified_s"] < x["deadline"])


def _overdue(x: Rows) -> np.ndarray:
    return x.is_("state", *hz.AWAITING) & (x["deadline"] < x.now_s)


HAZARDS = Family(
    name="hazards",
    noun="hazards",
    source=layer_source("hazards"),
    layer="hazards",
    columns={
        "campaign": attribute(CODE, lambda x: x.campaign_code),
        "category": attribute(CODE, lambda x: x.category),
        "severity": attribute(CODE, lambda x: x.severity),
        "kind": attribute(CODE, lambda x: x.kind),
        "state": attribute(CODE, lambda x: x.state),
        "premises": attribute(NUMBER, lambda x: x.premises_id),
        "found": attribute(DAY, lambda x: x.found_at),
        "found_s": attribute(NUMBER, lambda x: _seconds(x.found_at)),
        "deadline": attribute(NUMBER, lambda x: _seconds(hz.deadline(x))),
        "rectified": Column(DAY, _rectified_at),
        "rectified_s": Column(NUMBER, lambda c, x: _seconds(_rectified_at(c, x))),
        "closed": attribute(DAY, lambda x: x.closed_at),
        "closed_s": attribute(NUMBER, lambda x: _seconds(x.closed_at)),
    },
    attributes={CATEGORY: "category", SEVERITY: "severity", KIND: "kind", STATE: "state", CAMPAIGN: "campaign"},
    known={
        CATEGORY: lambda c: hz.CATEGORIES,
        SEVERITY: lambda c: hz.SEVERITIES,
        KIND: lambda c: hz.KINDS,
        STATE: lambda c: hz.STATES,
        CAMPAIGN: lambda c: tuple(sorted(c.safety_campaigns)),
    },
    dates={"FOUND": "found", "RECTIFIED": "rectified", "CLOSED": "closed"},
    measures={
        "count": count(),
        "major": count(lambda x: x.is_("severity", hz.MAJOR)),
        "open": count(lambda x: x.is_("state", *hz.OPEN)),
        "overdue": count(_overdue),
        "rectified": count(_rectified),
        "rectified_on_time": count(_on_time),
        "verified": count(lambda x: x.is_("state", hz.VERIFIED)),
        "rectification_rate": share(count(lambda x: x.is_("state", hz.VERIFIED)), count(_not_cancelled)),
        "on_time_rate": share(count(_on_time), count(lambda x: _rectified(x) | (_not_cancelled(x) & _due(x)))),
    },
    summed=("count", "major", "open", "overdue", "rectified", "rectified_on_time", "verified"),
)


def _due(x: Rows) -> np.ndarray:
    return x["deadline"] <= x.now_s


def _done_at(c: Catalog, x: r.ServiceRequest) -> datetime | None:
    return _first(c, ms.KIND, x.id, ms.FINISH)


def _done(x: Rows) -> np.ndarray:
    return ~np.isnan(x["done_s"]) | x.is_("state", *ms.DONE_STATES)


def _days_to_done(g: Grouped, x: Rows) -> np.ndarray:
    return g.mean(np.where(~np.isnan(x["done_s"]), (x["done_s"] - x["requested_s"]) / 86400.0, np.nan))


SERVICE_REQUESTS = Family(
    name="service_requests",
    noun="micro-service requests",
    source=layer_source("service_requests"),
    layer="service_requests",
    columns={
        "team": attribute(CODE, lambda x: x.team_code),
        "kind": attribute(CODE, lambda x: x.kind),
        "channel": attribute(CODE, lambda x: x.channel),
        "state": attribute(CODE, lambda x: x.state),
        "requested": attribute(DAY, lambda x: x.requested_at),
        "requested_s": attribute(NUMBER, lambda x: _seconds(x.requested_at)),
        "deadline": attribute(NUMBER, lambda x: _seconds(x.deadline)),
        "done": Column(DAY, _done_at),
        "done_s": Column(NUMBER, lambda c, x: _seconds(_done_at(c, x))),
        "rating": attribute(NUMBER, lambda x: x.rating),
    },
    attributes={KIND: "kind", CATEGORY: "channel", STATE: "state", TEAM: "team"},
    known={
        KIND: lambda c: ms.KINDS,
        CATEGORY: lambda c: ms.CHANNELS,
        STATE: lambda c: ms.STATES,
        TEAM: lambda c: tuple(sorted(c.volunteer_teams)),
    },
    dates={"REQUESTED": "requested", "DONE": "done"},
    measures={
        "count": count(),
        "done": count(_done),
        "done_on_time": count(lambda x: ~np.isnan(x["done_s"]) & (x["done_s"] <= x["deadline"])),
        "open": count(lambda x: x.is_("state", *ms.AWAITING)),
        "overdue": count(lambda x: x.is_("state", *ms.AWAITING) & (x["deadline"] < x.now_s)),
        "rated": count(lambda x: ~np.isnan(x["rating"])),
        "mean_rating": lambda g, x: g.mean(x["rating"]),
        "mean_days_to_done": _days_to_done,
    },
    summed=("count", "done", "done_on_time", "open", "overdue", "rated"),
)
