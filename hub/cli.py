"""The ``hub`` command: serve the API, set up the store, make tokens, run one query.

Run ``hub --help`` or ``hub COMMAND --help``: every option says what it does and its default.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import click
import orjson

from hub.errors import HubError
from hub.settings import Settings

DB_HELP = "SQLite file of the hub (env HUB_DB; default ./hub.db). Created and loaded with the demo data if new."


def _settings(db: Path | None, **overrides: object) -> Settings:
    try:
        return Settings.from_env().with_overrides(db=db, **overrides)
    except ValueError as exc:  # a malformed HUB_* variable: say which and what it must be
        raise click.ClickException(str(exc)) from exc


def _open_store(settings: Settings, *, load_demo: bool | None = None):
    from hub.app import store_for

    try:
        return store_for(settings).open(
            fixtures=settings.fixtures, load_demo=settings.load_demo if load_demo is None else load_demo
        )
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="hub")
def main() -> None:
    """The Suiyang governance data hub: a GraphQL API over compounds, grids and the old-town sectors.

    Start with `hub serve` and open http://127.0.0.1:8000/graphql (GraphiQL) or http://127.0.0.1:8000/map.
    """


@main.command()
@click.option("--host", default=None, help="Address to listen on (env HUB_HOST; default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (env HUB_PORT; default 8000).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None, help=DB_HELP)
@click.option(
    "--get",
    "get_path",
    default=None,
    metavar="PATH",
    help="Instead of serving, make one GET request in-process (e.g. /healthz), print it and exit.",
)
def serve(host: str | None, port: int | None, db: Path | None, get_path: str | None) -> None:
    """Serve the hub with uvicorn: GraphQL and GraphiQL at /graphql, the map at /map, vector tiles at
    /tiles/{layer}/{z}/{x}/{y}.mvt, health at /healthz, metrics at /metrics."""
    import uvicorn

    settings = _settings(db, host=host, port=port)
    if get_path is not None:
        status, body = asyncio.run(_get_in_process(settings, get_path))
        click.echo(body.decode())
        sys.exit(0 if status < 400 else 1)
    store = _open_store(settings)  # before uvicorn starts, so a bad store or data set is a sentence here
    click.echo(f"hub: serving {settings.db} at http://{settings.host}:{settings.port}/graphql", err=True)
    uvicorn.run(
        _app(settings, store),
        host=settings.host,
        port=settings.port,
        log_level="info",
        workers=1,
        lifespan="on",
        ws_max_size=settings.max_body_bytes,  # a websocket message is capped like a request body
    )


def _app(settings: Settings, store: Any) -> Any:
    from hub.app import create_app

    try:
        return create_app(settings, store)
    except ValueError as exc:  # a malformed HTTP setting (origins, rate limits): say which
        store.close()
        raise click.ClickException(str(exc)) from exc


async def _get_in_process(settings: Settings, path: str) -> tuple[int, bytes]:
    """One GET request through the whole app, without a socket (for ``serve --get``)."""
    store = _open_store(settings)
    app = _app(settings, store)
    target, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": target,
        "raw_path": target.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"accept", b"application/json")],
        "client": ("127.0.0.1", 0),
        "server": ("localhost", 80),
    }
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    try:
        await app(scope, receive, send)
    finally:
        store.close()
    status = next(int(m["status"]) for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


@main.command()
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None, help=DB_HELP)
@click.option(
    "--fixtures",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Folder of a data set in the demo layout (default: the bundled Suiyang demo set).",
)
@click.option("--empty", is_flag=True, help="Create the schema only, without loading any data.")
def init(db: Path | None, fixtures: Path | None, empty: bool) -> None:
    """Create the store and load a data set (all or nothing; every rejected row is listed)."""
    settings = _settings(db, fixtures=fixtures)
    from hub.store import Store

    store = Store(settings.db)
    try:
        store.db.open()
        if empty:
            click.echo(f"created {settings.db} (schema version {store.db.schema_version}), no data loaded")
            return
        if not store.is_empty():
            raise click.ClickException(f"{settings.db} already holds data; use a new --db path to load again")
        from hub.store.importer import import_dataset

        report = import_dataset(store.db, settings.fixtures)
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    click.echo(f"loaded {settings.db}: " + ", ".join(f"{n} {t}" for t, n in report.counts.items()))


@main.group()
def token() -> None:
    """Make, list and revoke bearer tokens (stored hashed; the token text is shown once)."""


@token.command("create")
@click.option(
    "--role",
    type=click.Choice(["analyst", "officer", "technician", "inspector", "volunteer", "admin"]),
    required=True,
    help="analyst: figures and staff names; officer: their squad in full; technician: their guidance group in "
    "full, logs its visits; inspector: a township's safety inspections and hazards; volunteer: a volunteer "
    "team's micro-service requests; admin: everything.",
)
@click.option("--squad", default=None, help="Squad code an officer token belongs to (e.g. SQ1); officers only.")
@click.option(
    "--group", default=None, help="Guidance group a technician token belongs to (e.g. AG1); technicians only."
)
@click.option("--township", default=None, help="Township an inspector token works for (e.g. 411403100); inspectors.")
@click.option("--team", default=None, help="Volunteer team a volunteer token belongs to (e.g. WH-DY); volunteers.")
@click.option("--label", default="", help="A note saying whose token this is.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None, help=DB_HELP)
def token_create(
    role: str,
    squad: str | None,
    group: str | None,
    township: str | None,
    team: str | None,
    label: str,
    db: Path | None,
) -> None:
    """Create a token and print it (send it as `Authorization: Bearer <token>`)."""
    from hub.services import Hub
    from hub.services.tokens import create_token

    settings = _settings(db)
    store = _open_store(settings)
    try:
        if township and team:
            raise click.ClickException("give --township (inspectors) or --team (volunteers), not both")
        record, text = create_token(
            Hub.from_settings(settings, store),
            role,
            squad_code=squad,
            label=label,
            group_code=group,
            unit_code=township or team,
        )
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    click.echo(text)
    click.echo(
        f"token {record.id}: role {record.role}"
        + (f", squad {record.squad_code}" if record.squad_code else "")
        + (f", group {record.group_code}" if record.group_code else "")
        + (f", unit {record.unit_code}" if record.unit_code else "")
        + " (shown once; only its hash is stored)",
        err=True,
    )


@token.command("list")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None, help=DB_HELP)
def token_list(db: Path | None) -> None:
    """List tokens (ids and roles, never the secrets)."""
    from hub.services import Hub
    from hub.services.tokens import list_tokens

    settings = _settings(db)
    store = _open_store(settings)
    try:
        for t in list_tokens(Hub.from_settings(settings, store)):
            state = "revoked" if t.revoked else "live"
            unit = t.squad_code or t.group_code or t.unit_code or "-"
            click.echo(f"{t.id}  {t.role:10} {unit:5} {state:8} {t.created_at}  {t.label}")
    finally:
        store.close()


@token.command("revoke")
@click.argument("token_id")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None, help=DB_HELP)
def token_revoke(token_id: str, db: Path | None) -> None:
    """Revoke a token by its id (the 8 hex digits after `hub_`)."""
    from hub.services import Hub
    from hub.services.tokens import revoke_token

    settings = _settings(db)
    store = _open_store(settings)
    try:
        revoke_token(Hub.from_settings(settings, store), token_id)
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    click.echo(f"revoked {token_id}")


@main.command()
@click.argument("document")
@click.option("--variables", default=None, help="Variables as a JSON object.")
@click.option(
    "--role",
    type=click.Choice(["public", "analyst", "officer", "technician", "inspector", "volunteer", "admin"]),
    default="analyst",
    help="Run as this role (default analyst; local use only, no token needed).",
)
@click.option("--squad", default=None, help="Squad code when --role officer.")
@click.option("--group", default=None, help="Guidance group code when --role technician.")
@click.option("--unit", default=None, help="Township code when --role inspector, team code when --role volunteer.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None, help=DB_HELP)
def query(
    document: str,
    variables: str | None,
    role: str,
    squad: str | None,
    group: str | None,
    unit: str | None,
    db: Path | None,
) -> None:
    """Run one GraphQL query against the store and print the JSON result, e.g. hub query '{ stats { compounds } }'."""
    from hub.domain.access import Viewer
    from hub.schema import Context, build_schema
    from hub.services import Hub

    try:
        values = orjson.loads(variables) if variables else None
    except orjson.JSONDecodeError as exc:
        raise click.ClickException(f"--variables is not valid JSON: {exc}") from exc
    settings = _settings(db)
    store = _open_store(settings)
    try:
        schema = build_schema(settings)
        viewer = Viewer(  # "admin:cli" in logs
            role=role, squad_code=squad, token_id="cli", log=store.disclosures, group_code=group, unit_code=unit
        )
        ctx = Context(hub=Hub.from_settings(settings, store), viewer=viewer)
        result = asyncio.run(schema.execute(document, variable_values=values, context_value=ctx))
    finally:
        store.close()
    out: dict[str, object] = {"data": result.data}
    if result.errors:
        out["errors"] = [e.formatted for e in result.errors]
    click.echo(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())
    if result.errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
