"""Choosing what to answer with: the media type from Accept, the content coding from Accept-Encoding."""

from __future__ import annotations

import pytest

from hub.http.answers import GRAPHQL_RESPONSE, JSON, negotiate
from hub.http.compression import choose
from hub.http.tiles import etag_matches


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, JSON),  # no header: what clients written before graphql-response+json expect
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("application/json", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json", GRAPHQL_RESPONSE),  # listed first wins a tie
        (f"application/json, {GRAPHQL_RESPONSE}", JSON),
        (f"application/json;q=0.9, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0, */*", JSON),  # refused by name, the wildcard does not bring it back
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", JSON),  # a browser
        ("text/csv", None),
        ("application/json;q=0", None),
        ("Application/JSON", JSON),
        ("application/json;q=banana", JSON),
    ],
)
def test_the_answer_media_type_follows_accept(accept, media):
    assert negotiate(accept) == media


@pytest.mark.parametrize(
    ("accept_encoding", "coding"),
    [
        (None, None),
        ("identity", None),
        ("gzip", "gzip"),
        ("gzip, deflate, br, zstd", "br"),  # Chromium's
        ("br;q=0.5, gzip", "gzip"),
        ("br;q=0, gzip;q=0", None),
        ("*;q=0.1", "br"),
        ("*, br;q=0", "gzip"),
        ("GZIP", "gzip"),
    ],
)
def test_the_content_coding_follows_accept_encoding(accept_encoding, coding):
    assert choose(accept_encoding) == coding


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"abc-gzip"', True),
        ('"abc-br"', True),
        ('"old", "abc-br"', True),
        ('"abd"', False),
        ('"abc-zstd"', False),
        ("*", True),
    ],
)
def test_a_tile_validator_in_any_coding_revalidates_it(header, matches):
    assert etag_matches(header, '"abc"') is matches
