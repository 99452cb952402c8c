"""Figure family of agricultural guidance in extreme weather: the groups' visits and the hazards they found.

Visits are points, so a visit belongs to the township and village that contain it (the ones it was logged
in). Groupings: ``KIND`` (WHEAT_FROST, GREENHOUSE_REINFORCEMENT, GREENHOUSE_HEATING, OTHER), ``CATEGORY``
(the site: VILLAGE, FARM, GREENHOUSE), ``GUIDANCE_GROUP``, ``WEATHER_EVENT``, places and the local date of
the visit (``VISITED``).
"""

from __future__ import annotations

from hub.domain import guidance as rules
from hub.domain.figures.facts import CODE, DAY, NUMBER, attribute, layer_source
from hub.domain.figures.family import CATEGORY, GUIDANCE_GROUP, KIND, WEATHER_EVENT, Family, count, total, whole

GUIDANCE_VISITS = Family(
    name="guidance_visits",
    noun="guidance visits",
    source=layer_source("guidance_visits"),
    layer="guidance_visits",
    columns={
        "kind": attribute(CODE, lambda x: x.kind),
        "site": attribute(CODE, lambda x: x.site),
        "group": attribute(CODE, lambda x: x.group_code),
        "event": attribute(CODE, lambda x: x.event_code),
        "hazards": attribute(NUMBER, lambda x: x.hazards_found),
        "technicians": attribute(NUMBER, lambda x: len(x.technician_ids)),
        "visited": attribute(DAY, lambda x: x.visited_on),
    },
    attributes={KIND: "kind", CATEGORY: "site", GUIDANCE_GROUP: "group", WEATHER_EVENT: "event"},
    known={
        KIND: lambda c: rules.KINDS,
        CATEGORY: lambda c: rules.SITES,
        GUIDANCE_GROUP: lambda c: tuple(sorted(c.guidance_groups)),
        WEATHER_EVENT: lambda c: tuple(sorted(c.weather_events)),
    },
    dates={"VISITED": "visited"},
    measures={
        "count": count(),
        "hazards_found": whole(total("hazards")),
        "with_hazards": count(lambda x: x["hazards"] > 0),
        "technician_visits": whole(total("technicians")),
    },
    summed=("count", "hazards_found", "with_hazards", "technician_visits"),
)
