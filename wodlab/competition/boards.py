"""Competitions: a named series of workouts, athletes entered in divisions, leaderboards loaded as exported.

`load_leaderboard` takes a board as competition sites export it, in one of two shapes:

- long: one row per athlete and workout — columns athlete_id, name, gender, division or age,
  workout (the board's label: "25.1"), score (as displayed), tiebreak;
- wide: one row per athlete, a column per workout (its label), and optionally a column
  "LABEL tiebreak" beside it.

Column names are matched case-insensitively with the usual export spellings (COLUMN_ALIASES).
Each workout label is matched to a stored workout: `workouts={"25.1": "Open 25.1"}`, else a workout
titled as the label, or "Open LABEL". The athletes (external id = the board's athlete id), one
session per workout, the entries (division) and the results are written in one transaction: a bad
score anywhere loads nothing, and the error names its line and column. Scores are read with the
board's notation (wodlab.scoring.scores, "games" by default). A validity column (`valid`: 1/0, yes/no,
true/false, valid/invalid; wide boards: "LABEL valid") judges each result valid or invalid; an
empty cell leaves it pending. The competition's rules (wodlab.competition.rules) are stored with
it: given with the board, or changed later (store_rules); places, points and standings are computed
under them on every read (wodlab.competition.standings).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wodlab.competition.judging import judge_from_board, store_rules
from wodlab.competition.rules import rules_of
from wodlab.core.errors import WodlabError
from wodlab.core.ids import stable_id, stable_id_texts
from wodlab.core.private import open_private
from wodlab.load import columnar, loading, reading, writing
from wodlab.load.report import ConflictError, LoadError, LoadReport, Outcome, Problem
from wodlab.scoring.scores import parse_score
from wodlab.scoring.values import NO_SCORES, ScoreMismatch, ScoreSyntaxError
from wodlab.store import names, statistics
from wodlab.store.names import athlete_id
from wodlab.tables import sessions, wods
from wodlab.tables.athletes import ATHLETES
from wodlab.tables.results import RESULTS, result_row, results_table, score_columns
from wodlab.workouts.structure import Scoring

COLUMN_ALIASES = {
    "athlete_id": ("athlete_id", "competitor_id", "competitorid", "athleteid", "id", "athlete"),
    "name": ("name", "competitor_name", "competitorname", "athlete_name", "full_name", "athlete"),
    "gender": ("gender", "sex"),
    "division": ("division", "division_name", "divisionname"),
    "age": ("age",),
    "workout": ("workout", "workout_label", "event", "ordinal", "wod"),
    "score": ("score", "score_display", "scoredisplay", "result", "display"),
    "tiebreak": ("tiebreak", "tiebreak_time", "tiebreaker", "tb"),
    "valid": ("valid", "validity", "is_valid", "validated"),
}
# How a board's validity column says valid or invalid (an empty cell: not judged, pending).
VALIDITY = {"1": "valid", "true": "valid", "yes": "valid", "y": "valid", "valid": "valid",
            "0": "invalid", "false": "invalid", "no": "invalid", "n": "invalid", "invalid": "invalid"}
# Columns of board exports that are neither an athlete field nor a workout (wide boards): left alone.
NOT_WORKOUTS = {"rank", "overall_rank", "overallrank", "overall", "points", "overall_points", "total_points", "affiliate",
                "affiliate_name", "country", "country_of_origin", "region", "height", "weight", "status", "official_rank"}
# The Open's age divisions; 18-34 is the open division, named by gender alone.
AGE_GROUPS = ((14, 15), (16, 17), (35, 39), (40, 44), (45, 49), (50, 54), (55, 59), (60, 64), (65, 200))
GENDERS = {"m": "M", "male": "M", "men": "M", "man": "M", "f": "F", "female": "F", "women": "F", "woman": "F"}


def competition_id(name: str):
    return stable_id("competition", name.strip())


def session_of(conn, competition: str, wod_id: str) -> str | None:
    """The session of a competition's workout, None when the workout is not one of its workouts."""
    return conn.execute(sa.text(
        "SELECT cw.session_id::text FROM competition_workouts cw JOIN competitions c ON c.id = cw.competition_id "
        "JOIN scheduled_sessions ss ON ss.id = cw.session_id "
        "WHERE c.name = :c AND ss.wod_definition_id = CAST(:w AS UUID)"), {"c": competition, "w": wod_id}).scalar()


def _key(column: str) -> str:
    return re.sub(r"[\s\-]+", "_", column.strip().lower())


def _canonical_columns(frame: pd.DataFrame) -> dict[str, str]:
    """The file's column for each known field (first alias found)."""
    by_key = {_key(c): c for c in frame.columns}
    found = {}
    for field, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in by_key and by_key[alias] not in found.values():
                found[field] = by_key[alias]
                break
    return found


def division_of(gender: str | None, age: str | None, division: str | None) -> str:
    """The board's division when it gives one; else Men/Women, with the Open age group when an age is given."""
    if division:
        return division
    base = {"M": "Men", "F": "Women"}.get(gender or "", "Open")
    if age:
        years = int(float(age))
        for low, high in AGE_GROUPS:
            if low <= years <= high:
                return f"{base} {low}+" if high == 200 else f"{base} {low}-{high}"
    return base


# The long board every export becomes: one row per athlete and workout, with where each cell came from.
BOARD_COLUMNS = ("line", "athlete_id", "name", "gender", "division", "age", "label", "score", "tiebreak", "score_column",
                 "tiebreak_column", "valid", "valid_column")


def long_board(frame: pd.DataFrame, columns: dict[str, str], source: str = "leaderboard") -> pd.DataFrame:
    """The board as one row per athlete and workout (BOARD_COLUMNS), long or wide, built column-wise."""
    repeated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if repeated:
        raise LoadError(source, [Problem(1, c, "appears twice in the header: which column holds the scores?") for c in repeated])
    if "athlete_id" not in columns:
        raise LoadError(source, [Problem(1, "athlete_id", "no athlete id column (e.g. athlete_id, competitorId)")])
    athlete = {f: frame[columns[f]] if f in columns else pd.Series("", index=frame.index, dtype=object)
               for f in ("athlete_id", "name", "gender", "division", "age")}
    if "workout" in columns:
        if "score" not in columns:
            raise LoadError(source, [Problem(1, "score", "a long board needs a score column")])
        tiebreak = columns.get("tiebreak")
        parts = [_part(frame, athlete, frame[columns["workout"]].str.strip(), columns["score"], tiebreak,
                       columns.get("valid"))]
    else:
        known = set(columns.values())
        labels = [c for c in frame.columns
                  if c not in known and _key(c) not in NOT_WORKOUTS and not _key(c).endswith(("_tiebreak", "_tb", "_valid"))]
        if not labels:
            raise LoadError(source, [Problem(1, "workout", "no workout column (long board) and no workout columns (wide)")])
        parts = [_part(frame, athlete, pd.Series(label.strip(), index=frame.index), label, _tiebreak_column(frame, label),
                       _beside(frame, label, ("valid",)) or columns.get("valid"))
                 for label in labels]
    board = pd.concat(parts).reset_index(names="line")
    return board.sort_values(["line", "label"], kind="stable").reset_index(drop=True)[list(BOARD_COLUMNS)]


def _part(frame: pd.DataFrame, athlete: dict, labels: pd.Series, score: str, tiebreak: str | None,
          valid: str | None) -> pd.DataFrame:
    return pd.DataFrame({**athlete, "label": labels, "score": frame[score],
                         "tiebreak": frame[tiebreak] if tiebreak else "", "score_column": score,
                         "tiebreak_column": tiebreak or score, "valid": frame[valid] if valid else "",
                         "valid_column": valid or score})


def _beside(frame: pd.DataFrame, label: str, suffixes: tuple[str, ...]) -> str | None:
    """A wide board's column for one workout's tie-break or validity: "LABEL tiebreak", "LABEL_valid"."""
    return next((c for c in frame.columns if _key(c) in {f"{_key(label)}_{s}" for s in suffixes}), None)


def _tiebreak_column(frame: pd.DataFrame, label: str) -> str | None:
    return _beside(frame, label, ("tiebreak", "tb"))


def _workout_ids(conn, labels: list[str], given: dict[str, str]) -> dict[str, str]:
    """Each label's workout: the one `given` maps it to, else the label, else "Open <label>" (wodlab.store.names)."""
    stored = names.Workouts.read(conn)
    found, problems = {}, []
    for label in labels:
        reference = given.get(label, label)
        try:
            wod_id = stored.find(reference) or stored.find(f"Open {reference}")
        except names.UnknownName as problem:
            problems.append(Problem(1, label, str(problem)))
            continue
        if wod_id is None:
            problems.append(Problem(1, label, f"no stored workout titled {reference!r} or 'Open {reference}': load it, "
                                              f"or map it with workouts={{{label!r}: 'its title'}}"))
        else:
            found[label] = wod_id
    if problems:
        raise LoadError("leaderboard", problems)
    return found


def load_leaderboard(engine: Engine, path: Path | str | pd.DataFrame, competition: str, *, notation: str = "games",
                     workouts: dict[str, str] | None = None, date: dt.date | None = None, update: bool = False,
                     skip_bad: bool = False, rejects: Path | str | None = None, rules=None) -> LoadReport:
    """Load a competition leaderboard export (see the module docstring); one transaction, all or nothing
    (unless skip_bad: the good rows, and the bad ones to a reject file). rules: the competition's rules
    (a preset's name, a dict, Rules), stored with it; None keeps a known competition's and gives a new
    one the Open's."""
    if not competition or not competition.strip():
        raise WodlabError("a leaderboard needs the competition's name (competition=...)")
    checked_rules = None if rules is None else rules_of(rules)
    frame, name = reading.read_rows(path)
    fields = _canonical_columns(frame)
    board = long_board(frame, fields, name)
    labels = list(dict.fromkeys(board["label"]))
    report = LoadReport(RESULTS.table, name, rows_read=len(board))
    with engine.begin() as conn:
        wod_ids = _workout_ids(conn, labels, workouts or {})
        scorings = {label: Scoring.of(wods.document(conn, wod_ids[label]).document) for label in labels}
        board, problems = _checked(board, scorings, notation, fields)
        if problems and not skip_bad:
            raise LoadError(name, problems)
        if problems:
            report.reject_file = _write_rejects(board, problems, name, rejects)
            for p in problems:
                report.add(Outcome(name, p.row, None, None, "rejected", f"column {p.column!r}: {p.reason}"))
            board = board[board["problem"].isna()]
        comp = competition_id(competition)
        loading.load(conn, ATHLETES, _athletes(board), update=update, source_name=name)
        conn.execute(sa.text("INSERT INTO competitions (id, name, notation) VALUES (:id, :n, :notation) "
                             "ON CONFLICT (id) DO NOTHING"), {"id": comp, "n": competition.strip(), "notation": notation})
        if checked_rules is not None:
            store_rules(conn, competition.strip(), checked_rules)
        session_of, date_of = _sessions(conn, comp, competition.strip(), labels, wod_ids, date or dt.date.today())
        _enter(conn, comp, board)
        written = _write_results(conn, board, session_of, date_of, update, name)
        judge_from_board(conn, board, session_of, date_of, name)
        report.inserted, report.unchanged, report.updated = written.inserted, written.unchanged, len(written.updated)
        report.unchanged += int(board["repeat"].sum())
    statistics.refresh_after_write(engine, RESULTS.table, report.inserted + report.updated, days=set(date_of.values()))
    return report


def _checked(board: pd.DataFrame, scorings: dict, notation: str, fields: dict[str, str]) -> tuple[pd.DataFrame, list[Problem]]:
    """The board with each row's score columns (results.ScoreColumns) and repeats marked; every problem
    with its line and the file's column it is in (`fields`: the file's column of each athlete field).
    Each distinct (workout, score, tie-break) is read once: a board repeats its scores heavily."""
    board = board.assign(athlete_id=board["athlete_id"].str.strip(), repeat=False)
    joined = board["label"] + "\x1f" + board["score"].str.strip() + "\x1f" + board["tiebreak"].str.strip()
    codes, keys = pd.factorize(joined)  # one text per (label, score, tie-break): factorized faster than tuples
    answers = [_score_columns(tuple(key.split("\x1f")), scorings, notation) for key in keys]
    unread = np.array([isinstance(answer, tuple) for answer in answers], dtype=bool)[codes]
    board["columns"] = np.array([None if isinstance(a, tuple) else a for a in answers] + [None], dtype=object)[codes]
    ages = board["age"].str.strip()
    not_age = ((ages != "") & ~ages.str.fullmatch(r"\d{1,3}(?:\.0+)?")).to_numpy()
    empty = (board["athlete_id"] == "").to_numpy()
    validity = board["valid"].str.strip().str.lower()
    board["judging"] = validity.map(VALIDITY)
    not_validity = ((validity != "") & board["judging"].isna()).to_numpy()
    problem, where = [None] * len(board), [None] * len(board)
    for position in np.flatnonzero(empty | not_age | unread | not_validity):
        if empty[position]:
            problem[position], where[position] = "is empty", fields["athlete_id"]
        elif not_age[position]:
            problem[position], where[position] = "is not an age in years (e.g. 34)", fields["age"]
        elif not_validity[position]:
            problem[position] = f"{board['valid'].iat[position]!r} is not a validity (1/0, yes/no, valid/invalid)"
            where[position] = board["valid_column"].iat[position]
        else:
            culprit, problem[position] = answers[codes[position]]
            where[position] = board[culprit].iat[position]
    _mark_repeats(board, problem, where)
    board["problem"] = problem
    return board, [Problem(line, column, reason) for line, column, reason in zip(board["line"], where, problem) if reason]


def _score_columns(key: tuple, scorings: dict, notation: str):
    """A (label, score, tie-break)'s ScoreColumns, or (where, reason) when it cannot be read: where is the
    board column holding the culprit ("score_column" or "tiebreak_column")."""
    label, text, tiebreak = key
    scoring = scorings[label]
    try:
        score = parse_score(text, scoring, notation=notation)
    except (ScoreSyntaxError, ScoreMismatch) as problem:
        return "score_column", str(problem).splitlines()[0]
    if tiebreak and score.status not in NO_SCORES:
        try:
            score = replace(score, tiebreak=parse_score(tiebreak).score_value)
        except (ScoreSyntaxError, ScoreMismatch) as problem:
            return "tiebreak_column", f"tie-break {tiebreak!r}: {str(problem).splitlines()[0]}"
    return score_columns(score, scoring, "RX")


def _mark_repeats(board: pd.DataFrame, problem: list, where: list) -> None:
    """An athlete twice on one workout: the same score is loaded once (the later row a repeat); another
    score is a problem naming both lines."""
    key = board["athlete_id"] + "\x1f" + board["label"]
    later = (key.duplicated(keep="first") & (board["athlete_id"] != "")).to_numpy()
    if not later.any():
        return
    first = {k: position for position, k in reversed(list(enumerate(key)))}
    for position in later.nonzero()[0]:
        earlier = first[key.iat[position]]
        said = [(board["score"].iat[p].strip(), board["tiebreak"].iat[p].strip()) for p in (earlier, position)]
        if said[0] == said[1]:
            board.iat[position, board.columns.get_loc("repeat")] = True
        elif problem[position] is None:
            problem[position] = (f"a second score for athlete {board['athlete_id'].iat[position]!r} on "
                                 f"{board['label'].iat[position]} (line {board['line'].iat[earlier]} says "
                                 f"{said[0][0]!r}, this line {said[1][0]!r})")
            where[position] = board["score_column"].iat[position]


def _write_rejects(board: pd.DataFrame, problems: list[Problem], name: str, rejects) -> Path:
    bad = board[board["problem"].notna()]
    frame = bad[["line", "athlete_id", "name", "label", "score", "tiebreak"]].copy()
    default = Path(name).with_suffix(".rejects.csv") if name != "DataFrame" else Path("leaderboard.rejects.csv")
    frame.insert(0, "reject_reason", bad["problem"].to_numpy())
    frame.insert(0, "reject_column", [p.column for p in problems])
    path = Path(rejects) if rejects else default
    with open_private(path, newline="", encoding="utf-8") as out:  # names and scores: owner-only (wodlab.core.private)
        frame.to_csv(out, index=False)
    return path


def _sessions(conn, comp, competition: str, labels: list[str], wod_ids: dict, day: dt.date) -> tuple[dict, dict]:
    """Each workout's session (one per label, on `day` when first loaded) and its date."""
    session_of, date_of = {}, {}
    for ordinal, label in enumerate(labels, start=1):
        session_of[label] = stable_id("session", f"competition|{competition}|{label}")
        sessions.ensure_session(conn, session_of[label], wod_ids[label], day, "RX", competition)
        date_of[label] = sessions.session_info(conn, session_of[label])["session_date"]  # a reload keeps the first date
        conn.execute(sa.text("INSERT INTO competition_workouts (competition_id, label, ordinal, session_id) "
                             "VALUES (:c, :l, :o, :s) ON CONFLICT (competition_id, label) DO NOTHING"),
                     {"c": comp, "l": label, "o": ordinal, "s": session_of[label]})
    return session_of, date_of


def _enter(conn, comp, board: pd.DataFrame) -> None:
    """Each athlete's entry and division (from their first row), in one statement."""
    first = board.drop_duplicates("athlete_id")
    divisions = [division_of(GENDERS.get(g.strip().lower()), a.strip() or None, d.strip() or None)
                 for g, a, d in zip(first["gender"], first["age"], first["division"])]
    conn.execute(sa.text(
        "INSERT INTO competition_entries (competition_id, athlete_id, division) "
        "SELECT :c, a, d FROM unnest(CAST(:athletes AS UUID[]), CAST(:divisions AS TEXT[])) AS e (a, d) "
        "ON CONFLICT (competition_id, athlete_id) DO UPDATE SET division = EXCLUDED.division"),
        {"c": comp, "athletes": stable_id_texts("athlete", first["athlete_id"]), "divisions": divisions})


def _athletes(board: pd.DataFrame) -> pd.DataFrame:
    """The board's athletes, each from their first row, labelled with that row's line."""
    first = board.drop_duplicates("athlete_id")
    return pd.DataFrame({"external_id": first["athlete_id"].to_numpy(),
                         "name": [(n or k).strip() for n, k in zip(first["name"], first["athlete_id"])],
                         "gender": [GENDERS.get(g.strip().lower(), "") for g in first["gender"]]},
                        index=pd.Index(first["line"].to_numpy(), name="line"))


def _write_results(conn, board: pd.DataFrame, session_of: dict, date_of: dict, update: bool, name: str) -> writing.Written:
    """The board's results in one COPY of CSV rendered by pyarrow (each distinct score's cells once), as
    the columnar path of load_results writes; a board already stored (a reload, corrections) goes
    through loading.copy_insert, which compares, updates (update=True) or reports conflicts."""
    rows = board[~board["repeat"]]
    if rows.empty:
        return writing.Written(0, 0, [], [])
    raw = conn.connection.driver_connection
    writing.make_month_partitions(raw, RESULTS.table, set(date_of.values()))
    codes, scores = pd.factorize(pd.Series(rows["columns"].to_numpy(), dtype=object))
    labels = rows["label"]
    athlete_codes, athletes = pd.factorize(rows["athlete_id"])  # each athlete's id made once, not once per score
    table = results_table(labels.map({label: str(s) for label, s in session_of.items()}).to_numpy(),
                          np.array(stable_id_texts("athlete", athletes))[athlete_codes], codes, list(scores),
                          pa.array(labels.map({label: d.isoformat() for label, d in date_of.items()}), pa.string()),
                          recorded_at=pa.array([raw.execute("SELECT NOW()::text").fetchone()[0]] * len(rows), pa.string()))
    written = columnar.write_table(raw, RESULTS.table, RESULTS.columns, table)
    if written is not None:
        return writing.Written(written, 0, [], [])
    values, lines = _result_rows(rows, session_of, date_of)
    found = writing.copy_insert(conn, RESULTS, values, update=update, source=name)
    if found.conflicts:
        raise ConflictError(name, writing.conflicts_of(RESULTS, found.conflicts, lines, values))
    return found


def _result_rows(rows: pd.DataFrame, session_of: dict, date_of: dict) -> tuple[list, list]:
    """athlete_results rows (RESULTS.columns, typed) of the board's rows, and their lines."""
    athletes = {key: athlete_id(key) for key in dict.fromkeys(rows["athlete_id"])}
    values = [result_row(session_of[label], athletes[key], columns, date_of[label])
              for label, key, columns in zip(rows["label"], rows["athlete_id"], rows["columns"])]
    return values, [int(line) for line in rows["line"]]


