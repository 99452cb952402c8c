"""GraphQL over HTTP as its specification says, on top of strawberry's ASGI view; text frames on websockets.

:class:`GraphQLOverHTTP` is mixed into the hub's view (``hub.app.HubGraphQL``) ahead of strawberry's
``GraphQL`` and changes only what goes over the wire:

- a POST body must be ``application/json`` (else 415) holding a JSON object (else 400: ``42``,
  ``null``, ``[]`` are not GraphQL requests), with ``query``, ``operationName``, ``variables`` and
  ``extensions`` of the right JSON types;
- a mutation over GET is 405 with ``Allow: POST``; ``OPTIONS`` answers which methods there are;
- the answer's media type follows ``Accept`` (406 when the client accepts neither JSON type). With
  ``application/graphql-response+json`` a request that never reached execution (it did not parse or
  validate, or was refused before running) is 400 and carries no ``data``; with
  ``application/json`` every well-formed request is 200, as before;
- every refusal is GraphQL-shaped JSON with a stable code (:mod:`hub.http.answers`).

:class:`TextFrames` sends graphql-transport-ws messages as text frames, as that protocol says (the
hub encodes JSON to bytes with orjson for speed; strawberry would send bytes as binary frames, which
clients such as ``gql`` refuse).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from hub.errors import HubError, MethodNotAllowed, NotAcceptable, NotFound, Refused, UnsupportedMediaType
from hub.http.answers import CONTENT_TYPES, GRAPHQL_RESPONSE, JSON, counted, negotiate, refusal

MEDIA = "hub.media"
"""Key in ``scope["state"]``: the media type negotiated for this request's answer."""
REQUEST_ERROR = "hub.request_error"
"""Key in ``scope["state"]``: set when the answer is a request error (nothing was executed)."""
ERRORS = "hub.errors"
"""Key in ``scope["state"]``: a callable counting the codes of field errors in answers (``hub.http.metrics``)."""
METHODS = "GET, POST, OPTIONS"

_KINDS = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}


def _kind(value: object) -> str:
    return "null" if value is None else _KINDS.get(type(value), type(value).__name__)


def request_data(data: object) -> GraphQLRequestData:
    """A POST body's parsed JSON as a GraphQL request, refused with the reason when it is not one.

    >>> request_data({"query": "{ stats { compounds } }"}).query
    '{ stats { compounds } }'
    >>> request_data(42)
    Traceback (most recent call last):
    hub.errors.Refused: the body must be a JSON object like {"query": "{ … }"}, got a number
    """
    if not isinstance(data, dict):
        raise Refused(f'the body must be a JSON object like {{"query": "{{ … }}"}}, got {_kind(data)}')
    query, name = data.get("query"), data.get("operationName")
    variables, extensions = data.get("variables"), data.get("extensions")
    for key, value, want in (
        ("query", query, str),
        ("operationName", name, str),
        ("variables", variables, dict),
        ("extensions", extensions, dict),
    ):
        if value is not None and not isinstance(value, want):
            article = "a string" if want is str else "an object"
            raise Refused(f"must be {article} or null, got {_kind(value)}", field=key)
    return GraphQLRequestData(query=query, variables=variables, operation_name=name, extensions=extensions)


def is_request_error(result: ExecutionResult) -> bool:
    """True when nothing was executed: no data, and no error points at a field (GraphQL's request errors)."""
    return result.data is None and bool(result.errors) and all(not e.path for e in result.errors or ())


class GraphQLOverHTTP:
    """Mix into a strawberry ``GraphQL`` view (first in the bases) for the GraphQL-over-HTTP answers.

    Request errors (nothing executed) are counted as refusals by their codes; field errors of
    executed operations by theirs, apart (see ``hub.http.metrics``).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # type: ignore[misc]
            return
        request = Request(scope=scope, receive=receive)
        response = await self._answer(request)
        await response(scope, receive, send)

    async def _answer(self, request: Request) -> Response:
        media = negotiate(request.headers.get("accept"))
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": METHODS})
        if media is None:
            if request.method == "GET" and "query" not in request.query_params:
                media = JSON  # a page load (GraphiQL) with a browser's own Accept
            else:
                error = NotAcceptable(f"this endpoint answers with {GRAPHQL_RESPONSE} or {JSON}; Accept allows neither")
                return refusal(request.scope, error, 406)
        request.scope.setdefault("state", {})[MEDIA] = media
        try:
            response: Response = await self.run(request)  # type: ignore[attr-defined]
        except InvalidOperationTypeError as exc:
            return _method_refusal(request, exc)
        except HTTPException as exc:  # strawberry's own refusals
            if isinstance(exc.__cause__, InvalidOperationTypeError):
                return _method_refusal(request, exc.__cause__)
            if exc.status_code == 405:  # a method strawberry does not take (HEAD)
                wrong = MethodNotAllowed(f"{request.method} is not allowed on /graphql; use GET or POST")
                return refusal(request.scope, wrong, 405, {"Allow": METHODS})
            refused: HubError = NotFound(exc.reason) if exc.status_code == 404 else Refused(exc.reason)
            return refusal(request.scope, refused, exc.status_code)
        except Refused as exc:
            return refusal(request.scope, exc, 415 if isinstance(exc, UnsupportedMediaType) else 400)
        if media == GRAPHQL_RESPONSE and response.media_type == JSON:
            response.headers["content-type"] = CONTENT_TYPES[media]
            if request.scope["state"].get(REQUEST_ERROR):
                response.status_code = 400
        return response

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        if request.method != "POST":
            return await super().parse_http_body(request)  # type: ignore[misc]
        media, params = parse_content_type(request.content_type or "")
        if media != "application/json" or params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
            got = request.content_type or "no Content-Type"
            raise UnsupportedMediaType(f"send the GraphQL request as application/json (UTF-8), not {got}")
        body = await request.get_body()
        try:
            data = self.decode_json(body)  # type: ignore[attr-defined]
        except ValueError as exc:  # json and orjson decode errors are ValueErrors
            raise Refused(f"the body is not JSON: {exc}") from None
        return request_data(data)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Any,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """strawberry's, less subscriptions: over plain HTTP they cannot stream (they would end in an
        internal error), so they are refused with where to send them."""
        allowed = OperationType.from_http(request_adapter.method) - {OperationType.SUBSCRIPTION}
        try:
            return await self.schema.execute(  # type: ignore[attr-defined]
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.SUBSCRIPTION:
                raise Refused("subscriptions are served over websockets (graphql-transport-ws) at /graphql") from None
            raise
        except CannotGetOperationTypeError as exc:
            raise Refused(f"{exc.as_http_error_reason()} (name one with operationName)") from None
        except MissingQueryError:
            raise Refused('no GraphQL query in the request (send {"query": "{ … }"})', field="query") from None

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        answer: GraphQLHTTPResponse = await super().process_result(request, result)  # type: ignore[misc]
        if result.errors:
            state = request.scope.setdefault("state", {})
            codes = {str((e.extensions or {}).get("code", "INTERNAL")) for e in result.errors}
            if is_request_error(result):
                state[REQUEST_ERROR] = True
                if state.get(MEDIA) == GRAPHQL_RESPONSE:
                    answer.pop("data", None)  # a request error has no data entry (GraphQL spec, "Response")
                for code in codes:
                    counted(request.scope, code)
            elif (count := state.get(ERRORS)) is not None:
                for code in codes:
                    count(code)
        return answer


def _method_refusal(request: Request, exc: InvalidOperationTypeError) -> Response:
    error = MethodNotAllowed(f"{exc.as_http_error_reason(request.method)}; send them with POST")
    return refusal(request.scope, error, 405, {"Allow": "POST"})


class TextFrames(ASGIWebSocketAdapter):
    """strawberry's websocket adapter, sending every message as a text frame."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded: Any = self.view.encode_json(message)
        try:
            await self.ws.send_text(encoded.decode() if isinstance(encoded, bytes) else encoded)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc
