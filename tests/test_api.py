"""The GraphQL API (wodlab.api) over HTTP: a real `wodlab serve` process on the simulated box."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from conftest import ROOT
from wodlab.api import MAX_LIMIT, read_only

pytestmark = pytest.mark.slow  # servers in other processes, whole boxes exported and loaded back: `make test`

SEED_EXAMPLE = """{
  searchWODs(
    movements: ["thrusters", "pull_up"]
    durationMin: 300
    durationMax: 1200
    difficultyMax: 80
  ) {
    id
    title
    movements
    duration
    difficulty
  }
}"""


def _env(url: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "WODLAB_API_TOKEN"}
    return {**env, "DATABASE_URL": url, **extra}


class Server:
    """`wodlab serve --port 0` in a process of its own; the address read from uvicorn's own log line."""

    def __init__(self, url: str, *args: str, token: str | None = None):
        env = _env(url, **({"WODLAB_API_TOKEN": token} if token else {}))
        self.process = subprocess.Popen([sys.executable, "-m", "wodlab.cli", "serve", "--port", "0", *args], env=env,
                                        stderr=subprocess.PIPE, text=True, cwd=ROOT)
        self.log = []
        for line in self.process.stderr:
            self.log.append(line)
            found = re.search(r"Uvicorn running on (http://\S+)", line)
            if found:
                self.address = found[1] + "/graphql"
                self.host, self.port = found[1].removeprefix("http://").rsplit(":", 1)
                # the log read on from here (a pipe nobody reads fills up and stalls the server)
                threading.Thread(target=lambda: self.log.extend(self.process.stderr), daemon=True).start()
                return
        raise AssertionError("the server did not start:\n" + "".join(self.log))

    def raw(self, body: bytes, headers: dict | None = None, method: str = "POST") -> tuple[int, dict]:
        """A request as an adversary writes it: any body, any Host."""
        connection = http.client.HTTPConnection(self.host, int(self.port), timeout=60)
        try:
            connection.request(method, "/graphql", body=body, headers={"content-type": "application/json",
                                                                        **(headers or {})})
            response = connection.getresponse()
            data = response.read()
            return response.status, json.loads(data) if data else {}
        finally:
            connection.close()

    def post(self, query: str, variables: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(self.address, data=json.dumps({"query": query, "variables": variables}).encode(),
                                         headers={"content-type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def sim_url(sim_lab) -> str:
    return sim_lab.engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def server(sim_url):
    running = Server(sim_url)
    yield running
    running.stop()


def test_the_seeds_example_query_returns_the_workouts_with_thrusters_and_pull_ups(server, sim_lab):
    status, body = server.post(SEED_EXAMPLE)
    assert status == 200 and "errors" not in body
    found = body["data"]["searchWODs"]
    expected = sim_lab.search_wods(movements_all=["thruster", "pull_up"], duration=(300, 1200), difficulty=(None, 80),
                                   limit=20)
    assert [w["id"] for w in found] == list(expected["id"]) and len(found) >= 3
    for workout in found:
        assert {"thruster", "pull_up"} <= set(workout["movements"])
        assert 300 <= workout["duration"] <= 1200 and workout["difficulty"] <= 80


def test_every_field_of_the_seeds_wod_definition_is_served(server, sim_lab):
    status, body = server.post('{ searchWODs(movements: ["Thruster"], limit: 1, offset: 1) '
                               '{ id title dslSource movements equipment duration difficulty modalities createdAt } }')
    (workout,) = body["data"]["searchWODs"]
    stored = sim_lab.sql("SELECT title, dsl_source FROM wod_definitions WHERE id = CAST(:id AS UUID)", id=workout["id"])
    assert workout["dslSource"] == stored["dsl_source"].iloc[0] and workout["title"] == stored["title"].iloc[0]
    assert workout["createdAt"].startswith("20") and "barbell" in workout["equipment"]
    second = sim_lab.search_wods(movements_all=["thruster"], limit=1, offset=1)
    assert workout["id"] == second["id"].iloc[0]


def test_the_leaderboard_is_the_same_board_as_the_dataframe_api(server, sim_lab):
    fran = sim_lab.search_wods(movements_all=["thruster", "pull_up"]).query("title == 'Fran'")["id"].iloc[0]
    status, body = server.post("query ($id: ID!) { leaderboard(wodId: $id, limit: 25) { rank athleteId score isRx } }",
                               {"id": fran})
    board = sim_lab.leaderboard("Fran", limit=25)
    assert status == 200
    assert [(r["rank"], r["athleteId"], r["score"]) for r in body["data"]["leaderboard"]] == list(
        zip(board["rank"], board["athlete_id"], board["score"]))


def test_limit_is_capped_and_counts_cannot_be_negative(server, sim_lab):
    everyone = sim_lab.leaderboard("Fran", track=None, limit=None)
    assert len(everyone) > MAX_LIMIT  # enough rows for the cap to show
    status, body = server.post('{ leaderboard(wodId: "Fran", track: null, limit: 100000) { rank } }')
    assert status == 200 and len(body["data"]["leaderboard"]) == MAX_LIMIT
    status, body = server.post("{ searchWODs(offset: -1) { id } }")
    assert body["data"] is None and "offset expects a whole number >= 0" in body["errors"][0]["message"]


def test_wrong_arguments_are_graphql_errors_never_a_stack_trace(server):
    status, body = server.post('{ searchWODs(limit: "ten") { id } }')
    assert status == 200 and "Int cannot represent" in body["errors"][0]["message"]
    status, body = server.post('{ leaderboard(wodId: "Franny") { rank } }')
    assert "no workout titled 'Franny'" in body["errors"][0]["message"] and "did you mean 'Fran'" in body["errors"][0]["message"]
    status, body = server.post('{ searchWODs(movements: ["thrusterz"]) { id } }')
    assert "unknown movement" in body["errors"][0]["message"]
    assert "Traceback" not in json.dumps(body)


def test_the_api_is_read_only_and_bounded(server):
    status, body = server.post('mutation { storeWod(source: "# X") { id } }')
    assert "mutation operation is not supported" in body["errors"][0]["message"]
    many = "{ " + " ".join(f"a{i}: searchWODs(limit: 100) {{ id }}" for i in range(30)) + " }"
    status, body = server.post(many)
    assert body.get("data") is None and "aliases" in body["errors"][0]["message"]


def test_the_servers_connections_cannot_write(sim_url):
    import wodlab

    lab = read_only(wodlab.connect(sim_url, init=False))
    with pytest.raises(sa.exc.InternalError, match="read-only transaction"), lab.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM athlete_results"))
    lab.engine.dispose()


@pytest.mark.slow
def test_a_non_loopback_bind_without_a_token_refuses_to_start(sim_url):
    run = subprocess.run([sys.executable, "-m", "wodlab.cli", "serve", "--host", "0.0.0.0", "--port", "0"],
                         env=_env(sim_url), capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 2 and "WODLAB_API_TOKEN" in run.stderr


def test_with_a_token_every_request_must_carry_it(sim_url):
    guarded = Server(sim_url, token="s3cret")
    try:
        status, body = guarded.post("{ searchWODs(limit: 1) { id } }")
        assert status == 401 and "token" in body["errors"][0]["message"]
        status, _ = guarded.post("{ searchWODs(limit: 1) { id } }", headers={"Authorization": "Bearer wrong"})
        assert status == 401
        status, body = guarded.post("{ searchWODs(limit: 1) { id } }", headers={"Authorization": "Bearer s3cret"})
        assert status == 200 and len(body["data"]["searchWODs"]) == 1
    finally:
        guarded.stop()


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""])
def test_a_host_the_server_is_not_is_refused(server, host):
    """DNS rebinding: a page at evil.example whose name now resolves to 127.0.0.1 sends Host: evil.example."""
    status, body = server.raw(b'{"query": "{ searchWODs(limit: 1) { id } }"}', headers={"Host": host})
    assert status == 421 and "Host" in body["errors"][0]["message"]


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST"])
def test_the_loopback_names_are_served(server, host):
    status, body = server.raw(b'{"query": "{ searchWODs(limit: 1) { id } }"}', headers={"Host": host})
    assert status == 200 and len(body["data"]["searchWODs"]) == 1


@pytest.mark.parametrize("body, said", [
    (b'"hello"', "must be a JSON object"), (b"42", "must be a JSON object"), (b"[1, 2]", "must be a JSON object"),
    (b'{"query": "\xff\xfe"}', "not UTF-8"), (b"{not json", "not JSON"),
])
def test_a_body_that_is_not_a_json_object_is_a_400_that_says_why(server, body, said):
    status, answer = server.raw(body)
    assert status == 400 and said in answer["errors"][0]["message"]
    assert "Traceback" not in "".join(server.log)


def test_a_body_over_the_cap_is_refused_before_it_is_parsed(server):
    from wodlab.api import MAX_BODY

    big = b'{"query": "{ searchWODs(limit: 1) { id } }", "pad": "' + b"x" * (MAX_BODY + 1) + b'"}'
    status, answer = server.raw(big)
    assert status == 413 and "over" in answer["errors"][0]["message"]
    status, _ = server.raw(b'{"query": "{ searchWODs(limit: 1) { id } }"}')
    assert status == 200  # the server is still there for the next client


def test_variables_of_the_wrong_type_or_missing_say_what_is_wrong(server):
    query = "query Q($n: Int!) { searchWODs(limit: $n) { id } }"
    status, body = server.post(query, {"n": "ten"})
    assert "Unexpected error" not in body["errors"][0]["message"] and "$n" in body["errors"][0]["message"]
    status, body = server.post(query, {})
    assert "Unexpected error" not in body["errors"][0]["message"] and "$n" in body["errors"][0]["message"]
    status, body = server.post('{ leaderboard(wodId: "Fr\\u0000an") { rank } }')
    assert "wodId holds a NUL character" in body["errors"][0]["message"]


def test_a_huge_argument_is_not_logged_whole(server):
    before = len("".join(server.log))
    status, body = server.raw(json.dumps({"query": '{ leaderboard(wodId: "' + "x" * 200_000 + '") { rank } }'}).encode())
    assert status == 200 and body["errors"]
    deadline = time.monotonic() + 10
    while len("".join(server.log)) == before and time.monotonic() < deadline:  # the log line, read by its thread
        time.sleep(0.05)
    assert 0 < len("".join(server.log)) - before < 5_000


@pytest.mark.slow
@pytest.mark.parametrize("token", ["   ", " s3cret"])
def test_a_blank_token_or_one_with_spaces_refuses_to_start(sim_url, token):
    run = subprocess.run([sys.executable, "-m", "wodlab.cli", "serve", "--port", "0"], env=_env(sim_url, WODLAB_API_TOKEN=token),
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 2 and "WODLAB_API_TOKEN is blank or has spaces" in run.stderr


@pytest.mark.slow
def test_a_busy_port_is_a_clear_error_not_the_databases_exit_code(sim_url):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "wodlab.cli", "serve", "--port", str(port)], env=_env(sim_url),
                             capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 2 and f"cannot serve on 127.0.0.1:{port}" in run.stderr


def test_an_unavailable_database_is_said_without_paths(admin, server_url, template):
    """The API's database goes away while it serves: the client reads that it is unavailable, not where it was."""
    from conftest import database_url

    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE wl_api_gone TEMPLATE {template}"))
    url = database_url(server_url, "wl_api_gone")
    served = Server(url)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("DROP DATABASE wl_api_gone WITH (FORCE)"))
        status, body = served.post('{ leaderboard(wodId: "Fran") { rank } }')
        message = body["errors"][0]["message"]
        assert "unavailable" in message and "/" not in message and "postgresql" not in message
    finally:
        served.stop()


@pytest.mark.slow
def test_200_requests_with_20_in_flight_all_answer(server):
    """Through the request guard (Host, body cap, JSON check, replayed body): concurrent clients all answered."""
    from concurrent.futures import ThreadPoolExecutor

    queries = ['{ leaderboard(wodId: "Fran", limit: 5) { rank athlete } }', "{ searchWODs(limit: 3) { id title } }"]
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda i: server.post(queries[i % 2]), range(200)))
    assert all(status == 200 and "errors" not in body for status, body in answers)
    assert {len(body["data"]["leaderboard"]) for status, body in answers[::2]} == {5}
