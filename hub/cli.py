"""The ``hub`` command: serve the API, set up the store, make tokens, run one query.

Run ``hub --help`` or ``hub COMMAND --help``: every option says what it does and its default.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson

from hub.errors import HubError
from hub.settings import Settings

T = TypeVar("T")

DB_HELP = (
    "The store (env HUB_DB; default ./hub.db): a SQLite file, created and loaded with the demo data if new, "
    "or a postgresql://user@host/database URL of a PostgreSQL + PostGIS database."
)
db_option = click.option("--db", default=None, metavar="PATH|URL", help=DB_HELP)


def _settings(db: str | None, **overrides: object) -> Settings:
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
@db_option
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Server processes (env HUB_WORKERS; default 1). More than one needs a PostgreSQL store: each worker "
    "keeps the layers in memory, current from the database's change feed.",
)
@click.option(
    "--get",
    "get_path",
    default=None,
    metavar="PATH",
    help="Instead of serving, make one GET request in-process (e.g. /healthz), print it and exit.",
)
def serve(host: str | None, port: int | None, db: str | None, workers: int | None, get_path: str | None) -> None:
    """Serve the hub with uvicorn: GraphQL and GraphiQL at /graphql, the map at /map, vector tiles at
    /tiles/{layer}/{z}/{x}/{y}.mvt, health at /healthz, metrics at /metrics."""
    import uvicorn

    from hub.store import is_postgres

    settings = _settings(db, host=host, port=port, workers=workers)
    shared = _checked(lambda: is_postgres(settings.db))
    if settings.workers > 1 and not shared:
        raise click.ClickException(
            f"--workers {settings.workers} needs a PostgreSQL store: a SQLite file has one writer, so it is served by "
            "one process. Serve it with one worker, or move it with `hub copy --from FILE --to postgresql://…` "
            "and serve that"
        )
    if get_path is not None:
        status, body = asyncio.run(_get_in_process(settings, get_path))
        click.echo(body.decode())
        sys.exit(0 if status < 400 else 1)
    where = f"{_shown(settings.db)} at http://{settings.host}:{settings.port}/graphql"
    served = {"host": settings.host, "port": settings.port, "log_level": "info", "lifespan": "on"}
    served["ws_max_size"] = settings.max_body_bytes  # a websocket message is capped like a request body
    if settings.workers == 1:
        store = _open_store(settings)  # before uvicorn starts, so a bad store or data set is a sentence here
        click.echo(f"hub: serving {where}", err=True)
        uvicorn.run(_app(settings, store), **served)  # type: ignore[arg-type]
        return
    # several processes: migrate and load the data set once, here; each worker opens the store itself,
    # with these settings passed on through the environment
    _checked(lambda: _prepare(settings))
    os.environ.update(HUB_DB=settings.db, HUB_HOST=settings.host, HUB_PORT=str(settings.port), HUB_WORKERS="1")
    click.echo(f"hub: serving {where} with {settings.workers} workers", err=True)
    from hub import serving

    serving.run("hub.app:app_from_env", workers=settings.workers, **served)  # type: ignore[arg-type]


def _checked(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc


def _shown(db: str) -> str:
    from hub.store.base import redact

    return redact(db)


def _prepare(settings: Settings) -> None:
    """Create and migrate the store, and load the data set if it is empty and asked to (without the catalog)."""
    from hub.app import store_for
    from hub.store.importer import import_dataset

    store = store_for(settings)
    try:
        store.db.open()
        if settings.load_demo and store.is_empty():
            import_dataset(store.db, settings.fixtures)
    finally:
        store.db.close()


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
@db_option
@click.option(
    "--fixtures",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Folder of a data set in the demo layout (default: the bundled Suiyang demo set).",
)
@click.option("--empty", is_flag=True, help="Create the schema only, without loading any data.")
def init(db: str | None, fixtures: Path | None, empty: bool) -> None:
    """Create the store and load a data set (all or nothing; every rejected row is listed)."""
    settings = _settings(db, fixtures=fixtures)
    from hub.store import Store

    shown = _shown(settings.db)
    store = _checked(lambda: Store(settings.db))
    try:
        store.db.open()
        if empty:
            click.echo(f"created {shown} (schema version {store.db.schema_version}), no data loaded")
            return
        if not store.is_empty():
            raise click.ClickException(f"{shown} already holds data; use a new --db path or database to load again")
        from hub.store.importer import import_dataset

        report = import_dataset(store.db, settings.fixtures)
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    click.echo(f"loaded {shown}: " + ", ".join(f"{n} {t}" for t, n in report.counts.items()))


@main.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and print the report; write nothing.")
@click.option(
    "--kind",
    default=None,
    help="The kind of record in PATH when its name does not say it (compounds, grids, fee_years, …).",
)
@click.option(
    "--crs",
    default=None,
    help="The coordinate system of the geometry when the file does not say it, or says it wrongly: WGS84, "
    "EPSG:4490 (CGCS2000), EPSG:4548, GCJ02, BD09 (default: the file's own, else WGS84).",
)
@click.option(
    "--overlap-tolerance",
    "tolerance",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Square metres two neighbouring grids, communities, subdistricts or compounds may overlap.",
)
@click.option(
    "--report",
    "report_to",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Also write every problem to this CSV file (UTF-8 with a byte-order mark, for Excel).",
)
@db_option
def import_(
    path: Path,
    dry_run: bool,
    kind: str | None,
    crs: str | None,
    tolerance: float,
    report_to: Path | None,
    db: str | None,
) -> None:
    """Keep records current from a file: upsert by their stable codes from GeoJSON, GeoPackage, Shapefile or
    CSV with WKT (a folder: every file named after a kind). Every row is checked first; one bad row and nothing
    is written, and the report names each: row, field, value, reason."""
    from hub.domain.access import Viewer
    from hub.services import Hub
    from hub.services.imports import ImportRecords, import_records

    settings = _settings(db)
    store = _open_store(settings, load_demo=False)
    bars = Bars()
    try:
        viewer = Viewer(role="admin", token_id="cli")
        command = ImportRecords(path, kind=kind, crs=crs, dry_run=dry_run, tolerance_m2=tolerance)
        result = _checked(lambda: import_records(Hub.from_settings(settings, store), viewer, command, progress=bars))
    finally:
        bars.close()
        store.close()
    _print_report(result, _shown(settings.db))
    if report_to is not None:
        _write_report(result, report_to)
        click.echo(f"report: {report_to}")
    if not result.ok:
        sys.exit(1)


class Bars:
    """Progress bars (tqdm, on stderr) for the stages of a long import; none when stderr is not a terminal or
    the stage is short."""

    LONG = 5_000

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if total < self.LONG:
            return
        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=total, desc=f"{stage:5}", unit=" rows", disable=None, file=sys.stderr)
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _print_report(result: Any, db: str) -> None:
    """The import's report: per kind what is new, changed and unchanged, then every problem (row, field, value,
    reason) as a table."""
    for note in result.ignored:
        click.echo(f"note: {note}")
    click.echo(f"{result.source}: {result.rows} rows checked against {db}")
    for kind, tally in result.counts.items():
        click.echo(f"  {kind}: " + ", ".join(f"{n} {state}" for state, n in tally.items()))
    if result.problems:
        shown = result.problems[:SHOWN_PROBLEMS]
        rows = [("file", "row", "field", "value", "reason")]
        rows += [(p.source, str(p.row), p.field, _cell(p.value), p.reason) for p in shown]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        click.echo(f"refused: {len(result.problems)} problems; nothing was written")
        for r in rows:
            click.echo("  ".join(cell.ljust(w) for cell, w in zip(r[:4], widths, strict=True)) + "  " + r[4])
        if len(result.problems) > len(shown):
            click.echo(f"… and {len(result.problems) - len(shown)} more (--report FILE.csv lists them all)")
        return
    changed = sum(n for t in result.changes().values() for n in t.values())
    if result.dry_run:
        click.echo(f"dry run: every row is sound; {changed} would be written (nothing was written)")
    elif result.written:
        click.echo(f"imported: {changed} rows written")
    else:
        click.echo("nothing to write: every row is as stored")


SHOWN_PROBLEMS = 100
"""Problems printed; ``--report`` writes them all."""


def _write_report(result: Any, path: Path) -> None:
    import csv

    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(("file", "row", "field", "value", "reason"))
        for p in result.problems:
            writer.writerow((p.source, p.row, p.field, "" if p.value is None else p.value, p.reason))


def _cell(value: Any) -> str:
    if value is None:
        return "(empty)"
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


@main.command()
@db_option
def snapshot(db: str | None) -> None:
    """Write a snapshot of the store's large tables now (HUB_SNAPSHOT says where): workers start from it and
    the changes logged after it, in a fraction of the time reading every row takes. Workers write one after a
    full load and when they close far past it; run this from cron to keep it close to the database."""
    settings = _settings(db)
    from hub.app import store_for

    store = _checked(lambda: store_for(settings))
    try:
        _checked(store.db.open)
        written = _checked(lambda: store.refresh_snapshot(least=0))
    finally:
        store.close()
    if not written:
        raise click.ClickException("snapshots are off (HUB_SNAPSHOT=off), or the folder cannot be written")
    click.echo(f"wrote {store.snapshot_path} at change {store.snapshot_seq}")


@main.command()
@click.option("--from", "source", required=True, metavar="PATH|URL", help="The store to copy: a SQLite file or URL.")
@click.option(
    "--to",
    "target",
    required=True,
    metavar="PATH|URL",
    help="An empty store to copy into (created and migrated if new), e.g. postgresql://hub@db.local/suiyang.",
)
def copy(source: str, target: str) -> None:
    """Copy a whole store into an empty one, e.g. a SQLite file into PostgreSQL + PostGIS: all or nothing, with
    every table's row count and the district's figures compared before it commits."""
    from hub.domain.stats import compute_stats
    from hub.store import Store
    from hub.store.catalog import load_catalog
    from hub.store.copy import copy_store

    def same_figures(src: Any, dst: Any) -> None:
        theirs, ours = compute_stats(load_catalog(src)), compute_stats(load_catalog(dst))
        if theirs != ours:
            raise HubError(f"the figures differ after the copy ({ours} against {theirs}); nothing was copied")

    stores = [_checked(lambda: Store(source)), _checked(lambda: Store(target))]
    try:
        for s in stores:
            _checked(s.db.open)
        counts = _checked(lambda: copy_store(stores[0].db, stores[1].db, check=same_figures))
    finally:
        for s in stores:
            s.close()
    rows = ", ".join(f"{n} {t}" for t, n in counts.items() if n)
    click.echo(f"copied {_shown(source)} to {_shown(target)}: {rows}; counts and figures match")


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
@db_option
def token_create(
    role: str,
    squad: str | None,
    group: str | None,
    township: str | None,
    team: str | None,
    label: str,
    db: str | None,
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
@db_option
def token_list(db: str | None) -> None:
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
@db_option
def token_revoke(token_id: str, db: str | None) -> None:
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
@db_option
def query(
    document: str,
    variables: str | None,
    role: str,
    squad: str | None,
    group: str | None,
    unit: str | None,
    db: str | None,
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
