"""RFC 7946 FeatureCollections assembled from pre-serialised pieces, as bytes.

A map answer is thousands of features whose geometry JSON was written once, when the feature was
loaded or stored. Putting the collection together is then joining byte strings: no geometry is
parsed or serialised again, no per-coordinate work happens per request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson


def feature_bytes(feature_id: str | int, geometry_json: str | bytes, properties: Mapping[str, Any]) -> bytes:
    """One GeoJSON Feature.

    >>> feature_bytes(7, '{"type":"Point","coordinates":[115.6,34.4]}', {"name": "宋都花园"}).decode()
    '{"type":"Feature","id":7,"geometry":{"type":"Point","coordinates":[115.6,34.4]},"properties":{"name":"宋都花园"}}'
    >>> feature_bytes("g1", "null", {}).decode()
    '{"type":"Feature","id":"g1","geometry":null,"properties":{}}'
    """
    geometry = geometry_json.encode() if isinstance(geometry_json, str) else geometry_json
    return b"".join(
        (
            b'{"type":"Feature","id":',
            orjson.dumps(feature_id),
            b',"geometry":',
            geometry,
            b',"properties":',
            orjson.dumps(properties),
            b"}",
        )
    )


def collection_bytes(features: Iterable[bytes], members: Mapping[str, Any] | None = None) -> bytes:
    """A FeatureCollection of ready Feature bytes, with optional foreign members (numberMatched, next, …).

    >>> collection_bytes([b'{"type":"Feature","id":1,"geometry":null,"properties":{}}'], {"numberMatched": 1})
    b'{"type":"FeatureCollection","numberMatched":1,"features":[{"type":"Feature","id":1,"geometry":null,"properties":{}}]}'
    >>> collection_bytes([])
    b'{"type":"FeatureCollection","features":[]}'
    """
    head = b'{"type":"FeatureCollection"'
    if members:
        head += b"," + orjson.dumps(dict(members))[1:-1]
    parts = list(features)
    if not parts:
        return head + b',"features":[]}'
    # one join, so the (possibly megabytes of) feature bytes are copied once
    parts[0] = head + b',"features":[' + parts[0]
    parts[-1] = parts[-1] + b"]}"
    return b",".join(parts)
