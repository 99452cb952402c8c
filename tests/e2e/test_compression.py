"""Compressed answers over HTTP: the same JSON and files, a tenth of the bytes, each coding its own ETag."""

from __future__ import annotations

import gzip

import brotli
import httpx
import orjson
import pytest

pytestmark = pytest.mark.e2e

GRIDS = b'{"query": "{ featureCollection(layer: GRIDS) }"}'


def raw_post(server, body: bytes, **headers: str) -> tuple[bytes, httpx.Headers]:
    headers = {"content-type": "application/json", **headers}
    with httpx.stream("POST", f"{server.url}/graphql", content=body, headers=headers, timeout=60) as r:
        assert r.status_code == 200
        return b"".join(r.iter_raw()), r.headers


@pytest.mark.parametrize(("coding", "decompress"), [("gzip", gzip.decompress), ("br", brotli.decompress)])
def test_the_grids_feature_collection_compressed_decodes_to_the_same_json(server, coding, decompress):
    plain, plain_headers = raw_post(server, GRIDS, **{"accept-encoding": "identity"})
    packed, headers = raw_post(server, GRIDS, **{"accept-encoding": coding})
    assert "content-encoding" not in plain_headers
    assert headers["content-encoding"] == coding and "Accept-Encoding" in headers["vary"]
    assert len(plain) > 1_000_000  # the issue measured 1.24 MB raw and 104 kB gzipped
    assert len(packed) < len(plain) / 8
    assert int(headers["content-length"]) == len(packed)
    assert orjson.loads(decompress(packed)) == orjson.loads(plain)


def test_the_client_s_preference_between_codings_is_followed(server):
    _, headers = raw_post(server, GRIDS, **{"accept-encoding": "br;q=0.5, gzip"})
    assert headers["content-encoding"] == "gzip"
    _, headers = raw_post(server, GRIDS, **{"accept-encoding": "gzip, deflate, br, zstd"})
    assert headers["content-encoding"] == "br"


def test_a_small_answer_goes_out_as_it_is(server):
    body, headers = raw_post(server, b'{"query": "{ stats { compounds } }"}', **{"accept-encoding": "gzip, br"})
    assert "content-encoding" not in headers
    assert orjson.loads(body) == {"data": {"stats": {"compounds": 619}}}


def test_a_static_file_compressed_has_its_own_etag_and_revalidates(server):
    path = f"{server.url}/static/vendor/leaflet/leaflet.js"
    plain = httpx.get(path, headers={"accept-encoding": "identity"})
    with httpx.stream("GET", path, headers={"accept-encoding": "gzip"}) as r:
        packed, headers = b"".join(r.iter_raw()), r.headers
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(packed) == plain.content
    assert headers["etag"] != plain.headers["etag"] and headers["etag"].endswith('-gzip"')
    again = httpx.get(path, headers={"accept-encoding": "gzip", "if-none-match": headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == headers["etag"]
    stale = httpx.get(path, headers={"accept-encoding": "gzip", "if-none-match": '"0-gzip"'})
    assert stale.status_code == 200
