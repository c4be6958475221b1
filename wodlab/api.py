"""The seed's GraphQL API (§"API GraphQL pour requêtes flexibles"), read-only, served by uvicorn.

`wodlab serve [--host 127.0.0.1] [--port 8000]` serves POST/GET /graphql. The schema is the seed's:
`WODDefinition` with its fields, `searchWODs(...)` and `leaderboard(wodId, track, limit)`. Every
resolver calls the same `Lab` verbs as the DataFrame API, so the SQL is that of `sql/queries`
(`search_wods`, `wod_details`, `leaderboard`) and nowhere else.

Guards:
- `limit` is capped at MAX_LIMIT (a larger one is lowered, not refused); negative counts are errors;
- queries deeper than MAX_DEPTH, with more than MAX_ALIASES aliases or MAX_TOKENS tokens are refused;
- read-only: no mutation type, and the server's connections run with default_transaction_read_only;
- errors: a wrong argument is a GraphQL error naming it; an unexpected failure is masked ("Unexpected
  error."), never a stack trace;
- results are people's data: binding to anything but loopback requires WODLAB_API_TOKEN, and when a
  token is set every request must carry `Authorization: Bearer <token>`; a token of spaces is refused;
- the Host header must name the server (localhost, 127.0.0.1, [::1], the address it is bound to, or a
  name listed in WODLAB_API_HOSTS): a web page that points its own name at 127.0.0.1 (DNS
  rebinding) cannot read the tokenless loopback API from a browser. A wildcard bind (0.0.0.0) with a
  token checks Host only when WODLAB_API_HOSTS is set (the token is the guard);
- a request body is at most MAX_BODY bytes (413 beyond), and must be UTF-8 JSON holding an object
  (400 otherwise, saying which); text arguments may not hold NUL characters;
- the log gets one line per error, its message cut to LOGGED_CHARS (a 1 MB argument is not logged
  whole); an unavailable database is said as such, without socket paths or URLs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import ipaddress
import json
import logging
import os
import socket

import pandas as pd
import sqlalchemy as sa
import strawberry
from strawberry.asgi import GraphQL
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.types import Info

from wodlab.core.errors import DatabaseUnavailable, WodlabError
from wodlab.lab import arguments

MAX_LIMIT = 100
MAX_DEPTH = 4  # the schema is flat today (depth 2); the bound guards nested types added later
MAX_ALIASES = 10  # `a: searchWODs(limit: 100) b: searchWODs(...)...` would multiply the work per request
MAX_TOKENS = 2000  # bounds introspection too, which the depth limiter does not count
TOKEN_VARIABLE = "WODLAB_API_TOKEN"
HOSTS_VARIABLE = "WODLAB_API_HOSTS"  # more names the Host header may give, comma-separated
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
MAX_BODY = 256 * 1024  # a GraphQL query of the schema fits in a few KB; parsing 30 MB stalled every client
LOGGED_CHARS = 300
log = logging.getLogger("wodlab.api")


def _value(value):
    """A frame cell as GraphQL wants it: None for missing values, plain Python otherwise."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


@strawberry.type(description="A stored workout (wod_definitions).")
class WODDefinition:
    id: strawberry.ID
    title: str
    dsl_source: str
    movements: list[str]
    equipment: list[str]
    duration: int | None
    difficulty: int | None
    modalities: list[str]
    created_at: dt.datetime


@strawberry.type(description="An athlete's best result on a workout, ranked (the leaderboard query).")
class AthleteResult:
    rank: int
    percentile: float | None
    athlete_id: strawberry.ID
    athlete: str | None
    gender: str | None
    score: str | None
    score_type: str
    score_value: float | None
    score_secondary: float | None
    score_unit: str | None
    result_status: str | None
    tiebreak_seconds: float | None
    is_rx: bool | None
    is_dnf: bool | None
    track: str | None
    session_date: dt.date | None


def _text(name: str, value):
    """A text argument (or list of them) as given; a NUL character is refused by name (PostgreSQL stores none)."""
    values = value if isinstance(value, list) else [value]
    if any(isinstance(v, str) and "\x00" in v for v in values):
        raise WodlabError(f"{name} holds a NUL character")
    return value


async def _in_thread(call, *args):
    """A resolver's work off the event loop; an unavailable database said as such (no path, no URL)."""
    try:
        return await asyncio.to_thread(call, *args)
    except DatabaseUnavailable:
        raise WodlabError("the database is unavailable; try again later") from None


def _count(name: str, value: int, cap: int | None = None) -> int:
    """A count checked as every Lab verb checks one, then held to the API's cap."""
    value = arguments.count(name, value)
    return min(value, cap) if cap is not None else value


def _search(lab, movements, equipment, duration_min, duration_max, difficulty_min, difficulty_max, modalities, limit,
            offset) -> list[WODDefinition]:
    found = lab.search_wods(movements_all=movements, equipment=equipment, duration=(duration_min, duration_max),
                            difficulty=(difficulty_min, difficulty_max), modalities=modalities,
                            limit=_count("limit", limit, MAX_LIMIT), offset=_count("offset", offset))
    details = lab.query("wod_details", ids=list(found["id"])).set_index("id") if len(found) else None
    return [WODDefinition(
        id=strawberry.ID(row.id), title=row.title, dsl_source=details.at[row.id, "dsl_source"],
        movements=list(row.movements_list or []), equipment=list(row.equipment_list or []),
        duration=_value(row.duration_seconds), difficulty=_value(row.difficulty_score),
        modalities=list(row.modality_tags or []), created_at=_value(details.at[row.id, "created_at"]),
    ) for row in found.itertuples(index=False)]


_RESULT_FIELDS = [f.name for f in AthleteResult.__strawberry_definition__.fields]


def _leaderboard(lab, wod_id: str, track: str | None, limit: int) -> list[AthleteResult]:
    board = lab.leaderboard(str(wod_id), track=track, limit=_count("limit", limit, MAX_LIMIT))
    rows = []
    for record in board.to_dict("records"):
        values = {name: _value(record.get(name)) for name in _RESULT_FIELDS}
        if values["session_date"] is not None:
            values["session_date"] = values["session_date"].date()
        rows.append(AthleteResult(**values))
    return rows


@strawberry.type
class Query:
    @strawberry.field(name="searchWODs", description="Workouts matching every given criterion (movements: all of them).")
    async def search_wods(self, info: Info, movements: list[str] | None = None, equipment: list[str] | None = None,
                          duration_min: int | None = None, duration_max: int | None = None,
                          difficulty_min: int | None = None, difficulty_max: int | None = None,
                          modalities: list[str] | None = None, limit: int = 20, offset: int = 0) -> list[WODDefinition]:
        return await _in_thread(_search, info.context["lab"], _text("movements", movements), _text("equipment", equipment),
                                duration_min, duration_max, difficulty_min, difficulty_max, _text("modalities", modalities),
                                limit, offset)

    @strawberry.field(description="The leaderboard of a workout (id or title), best first.")
    async def leaderboard(self, info: Info, wod_id: strawberry.ID, track: str | None = "RX", limit: int = 10
                          ) -> list[AthleteResult]:
        return await _in_thread(_leaderboard, info.context["lab"], _text("wodId", wod_id), _text("track", track), limit)


def _masked(error) -> bool:
    """Hide what is not the client's doing; a WodlabError (unknown workout, bad argument) is shown."""
    original = getattr(error, "original_error", None)
    # an error without a path comes before any resolver ran: the request itself (a variable of the wrong
    # type, a missing one), the client's to fix, and graphql-core's message says which
    return original is not None and bool(error.path) and not isinstance(original, WodlabError)


class _Schema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        """One short line per error (strawberry's default logs each with the whole query and a traceback)."""
        for error in errors:
            message = str(error.message)
            log.warning("graphql error: %s", message[:LOGGED_CHARS] + ("..." if len(message) > LOGGED_CHARS else ""))


SCHEMA = _Schema(query=Query, extensions=[
    lambda: QueryDepthLimiter(max_depth=MAX_DEPTH), lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
    lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS), lambda: MaskErrors(should_mask_error=_masked),
])


class _WodlabGraphQL(GraphQL):
    def __init__(self, lab):
        super().__init__(SCHEMA, graphql_ide=None)
        self.lab = lab

    async def get_context(self, request, response) -> dict:
        return {"request": request, "response": response, "lab": self.lab}


async def _refuse(send, status: int, message: str, headers: list | None = None) -> None:
    body = json.dumps({"errors": [{"message": message}]}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class TokenGate:
    """ASGI middleware: every HTTP request must carry `Authorization: Bearer <token>`."""

    def __init__(self, app, token: str):
        self.app, self.token = app, token.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, b"Bearer " + self.token):
                await _refuse(send, 401, "a valid bearer token is required", [(b"www-authenticate", b"Bearer")])
                return
        await self.app(scope, receive, send)


class RequestGuard:
    """ASGI middleware before GraphQL: the Host header among `hosts` (None: any), the body at most MAX_BODY
    bytes of UTF-8 JSON holding an object (a GET's query string is strawberry's to read)."""

    def __init__(self, app, hosts: set[str] | None):
        self.app, self.hosts = app, hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        if self.hosts is not None and host_name(headers.get(b"host", b"").decode("latin-1")) not in self.hosts:
            return await _refuse(send, 421, "this server does not answer for that Host")
        declared = headers.get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > MAX_BODY:
            return await _refuse(send, 413, f"the request body is over {MAX_BODY:,} bytes")
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY:
                return await _refuse(send, 413, f"the request body is over {MAX_BODY:,} bytes")
        problem = _body_problem(body, headers.get(b"content-type", b""))
        if problem:
            return await _refuse(send, 400, problem)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _body_problem(body: bytes, content_type: bytes) -> str | None:
    """What is wrong with a JSON request body, or None (other content types are strawberry's to judge)."""
    if not body or b"json" not in content_type.lower():
        return None
    try:
        parsed = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return "the request body is not UTF-8"
    except ValueError as problem:
        return f"the request body is not JSON ({problem})"
    if not isinstance(parsed, dict):
        return f'the request body must be a JSON object like {{"query": "..."}}, not a {type(parsed).__name__}'
    return None


def host_name(header: str) -> str:
    """The name in a Host header, without its port: "localhost:8000" -> "localhost", "[::1]:80" -> "::1"."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def allowed_hosts(bound: str, token: str | None) -> set[str] | None:
    """The names the Host header may give: loopback's, the bound address and WODLAB_API_HOSTS; None (any)
    for a wildcard bind with a token and no WODLAB_API_HOSTS."""
    configured = {name.strip().lower() for name in os.environ.get(HOSTS_VARIABLE, "").split(",") if name.strip()}
    wildcard = bound in ("0.0.0.0", "::", "")
    if wildcard and token and not configured:
        return None
    return {*LOOPBACK_NAMES, *configured, *(() if wildcard else (host_name(bound),))}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_for(lab, token: str | None = None, hosts: frozenset[str] | set[str] | None = frozenset(LOOPBACK_NAMES)):
    """The ASGI application: GraphQL at /graphql, behind the request guard, and the token gate when a token is given."""
    from starlette.applications import Starlette
    from starlette.routing import Route

    graphql = _WodlabGraphQL(lab)
    app = RequestGuard(Starlette(routes=[Route("/graphql", graphql, methods=["GET", "POST"])]), hosts)
    return TokenGate(app, token) if token else app


def read_only(lab):
    """The lab's connections from now on run read-only transactions: the API cannot write."""
    @sa.event.listens_for(lab.engine, "connect")
    def _read_only(dbapi_connection, record):  # noqa: ARG001 - the signature sqlalchemy calls
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET default_transaction_read_only = on")
        dbapi_connection.commit()

    lab.engine.dispose()  # connections opened before the listener are not reused
    return lab


def api_token() -> str | None:
    """WODLAB_API_TOKEN, or None when unset or empty; a token of spaces (a mistake that would gate nothing
    worth having) is refused."""
    token = os.environ.get(TOKEN_VARIABLE)
    if token is None or token == "":
        return None
    if not token.strip() or token != token.strip():
        raise WodlabError(f"{TOKEN_VARIABLE} is blank or has spaces around it: set a real token (e.g. from "
                          "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
    return token


def _port_free(host: str, port: int) -> None:
    """WodlabError naming the address when the port is taken (uvicorn would exit with a log line only)."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as problem:
            raise WodlabError(f"cannot serve on {host}:{port}: {problem.strerror}; choose another --port") from None


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the API until interrupted; refuses a non-loopback bind without WODLAB_API_TOKEN."""
    import uvicorn

    from wodlab.lab import connect

    token = api_token()
    if not is_loopback(host) and not token:
        raise WodlabError(f"refusing to serve athletes' results on {host} without a token: set {TOKEN_VARIABLE} "
                          f"(clients then send 'Authorization: Bearer <token>'), or bind to 127.0.0.1")
    _port_free(host, port)
    lab = connect(init=False)
    lab.check_schema()
    logging.basicConfig(level=logging.INFO)
    uvicorn.run(app_for(read_only(lab), token, allowed_hosts(host, token)), host=host, port=port, log_level="info",
                h11_max_incomplete_event_size=MAX_BODY)
