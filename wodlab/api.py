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
  token is set every request must carry `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import ipaddress
import os

import pandas as pd
import sqlalchemy as sa
import strawberry
from strawberry.asgi import GraphQL
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.types import Info

from wodlab.errors import WodlabError

MAX_LIMIT = 100
MAX_DEPTH = 4  # the schema is flat today (depth 2); the bound guards nested types added later
MAX_ALIASES = 10  # `a: searchWODs(limit: 100) b: searchWODs(...)...` would multiply the work per request
MAX_TOKENS = 2000  # bounds introspection too, which the depth limiter does not count
TOKEN_VARIABLE = "WODLAB_API_TOKEN"


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


def _count(name: str, value: int, cap: int | None = None) -> int:
    if value < 0:
        raise WodlabError(f"{name} must be 0 or more; got {value}")
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
        return await asyncio.to_thread(_search, info.context["lab"], movements, equipment, duration_min, duration_max,
                                       difficulty_min, difficulty_max, modalities, limit, offset)

    @strawberry.field(description="The leaderboard of a workout (id or title), best first.")
    async def leaderboard(self, info: Info, wod_id: strawberry.ID, track: str | None = "RX", limit: int = 10
                          ) -> list[AthleteResult]:
        return await asyncio.to_thread(_leaderboard, info.context["lab"], wod_id, track, limit)


def _masked(error) -> bool:
    """Hide what is not the client's doing; a WodlabError (unknown workout, bad argument) is shown."""
    original = getattr(error, "original_error", None)
    return original is not None and not isinstance(original, WodlabError)


SCHEMA = strawberry.Schema(query=Query, extensions=[
    lambda: QueryDepthLimiter(max_depth=MAX_DEPTH), lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
    lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS), lambda: MaskErrors(should_mask_error=_masked),
])


class _WodlabGraphQL(GraphQL):
    def __init__(self, lab):
        super().__init__(SCHEMA, graphql_ide=None)
        self.lab = lab

    async def get_context(self, request, response) -> dict:
        return {"request": request, "response": response, "lab": self.lab}


class TokenGate:
    """ASGI middleware: every HTTP request must carry `Authorization: Bearer <token>`."""

    def __init__(self, app, token: str):
        self.app, self.token = app, token.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, b"Bearer " + self.token):
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body", "body": b'{"errors": [{"message": "a valid bearer token is required"}]}'})
                return
        await self.app(scope, receive, send)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_for(lab, token: str | None = None):
    """The ASGI application: GraphQL at /graphql, behind the token gate when a token is given."""
    from starlette.applications import Starlette
    from starlette.routing import Route

    graphql = _WodlabGraphQL(lab)
    app = Starlette(routes=[Route("/graphql", graphql, methods=["GET", "POST"])])
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


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the API until interrupted; refuses a non-loopback bind without WODLAB_API_TOKEN."""
    import uvicorn

    from wodlab.lab import connect

    token = os.environ.get(TOKEN_VARIABLE) or None
    if not is_loopback(host) and not token:
        raise WodlabError(f"refusing to serve athletes' results on {host} without a token: set {TOKEN_VARIABLE} "
                          f"(clients then send 'Authorization: Bearer <token>'), or bind to 127.0.0.1")
    lab = connect(init=False)
    lab.check_schema()
    uvicorn.run(app_for(read_only(lab), token), host=host, port=port, log_level="info")
