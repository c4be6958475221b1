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
board's notation (wodlab.scores, "games" by default). Standings and per-workout ranks are the
queries competition_standings and competition_results (the official rules, policy "crossfit").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wodlab import loading, sessions, views, wods
from wodlab.athletes import ATHLETES, athlete_id
from wodlab.errors import WodlabError
from wodlab.ids import stable_id
from wodlab.loading import ConflictError, LoadError, LoadReport, Problem
from wodlab.results import RESULTS, result_values
from wodlab.scores import NO_SCORES, ScoreMismatch, ScoreSyntaxError, parse_score
from wodlab.structure import Scoring

COLUMN_ALIASES = {
    "athlete_id": ("athlete_id", "competitor_id", "competitorid", "athleteid", "id", "athlete"),
    "name": ("name", "competitor_name", "competitorname", "athlete_name", "full_name", "athlete"),
    "gender": ("gender", "sex"),
    "division": ("division", "division_name", "divisionname"),
    "age": ("age",),
    "workout": ("workout", "workout_label", "event", "ordinal", "wod"),
    "score": ("score", "score_display", "scoredisplay", "result", "display"),
    "tiebreak": ("tiebreak", "tiebreak_time", "tiebreaker", "tb"),
}
# Columns of board exports that are neither an athlete field nor a workout (wide boards): left alone.
NOT_WORKOUTS = {"rank", "overall_rank", "overallrank", "overall", "points", "overall_points", "total_points", "affiliate",
                "affiliate_name", "country", "country_of_origin", "region", "height", "weight", "status", "official_rank"}
# The Open's age divisions; 18-34 is the open division, named by gender alone.
AGE_GROUPS = ((14, 15), (16, 17), (35, 39), (40, 44), (45, 49), (50, 54), (55, 59), (60, 64), (65, 200))
GENDERS = {"m": "M", "male": "M", "men": "M", "man": "M", "f": "F", "female": "F", "women": "F", "woman": "F"}


def competition_id(name: str):
    return stable_id("competition", name.strip())


def names(conn) -> list[str]:
    return list(conn.execute(sa.text("SELECT name FROM competitions ORDER BY name")).scalars())


def session_of(conn, competition: str, wod_reference: str) -> str | None:
    """The session of a competition's workout (by the workout's title or id), None when it is not one of its workouts."""
    return conn.execute(sa.text(
        "SELECT cw.session_id::text FROM competition_workouts cw JOIN competitions c ON c.id = cw.competition_id "
        "JOIN scheduled_sessions ss ON ss.id = cw.session_id JOIN wod_definitions wd ON wd.id = ss.wod_definition_id "
        "WHERE c.name = :c AND (wd.title = :w OR wd.id::text = :w)"), {"c": competition, "w": wod_reference}).scalar()


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


def long_rows(frame: pd.DataFrame, columns: dict[str, str]) -> list[dict]:
    """One dict per athlete and workout (line, athlete fields, label, score, tiebreak), long or wide."""
    if "athlete_id" not in columns:
        raise LoadError("leaderboard", [Problem(1, "athlete_id", "no athlete id column (e.g. athlete_id, competitorId)")])
    athlete_fields = {f: columns.get(f) for f in ("athlete_id", "name", "gender", "division", "age")}
    rows = []
    if "workout" in columns:
        if "score" not in columns:
            raise LoadError("leaderboard", [Problem(1, "score", "a long board needs a score column")])
        for line, record in frame.iterrows():
            rows.append({"line": line, **{f: record[c] if c else "" for f, c in athlete_fields.items()},
                         "label": record[columns["workout"]].strip(), "score": record[columns["score"]],
                         "tiebreak": record[columns["tiebreak"]] if "tiebreak" in columns else "", "column": columns["score"]})
        return rows
    known = set(columns.values())
    labels = [c for c in frame.columns
              if c not in known and _key(c) not in NOT_WORKOUTS and not _key(c).endswith(("_tiebreak", "_tb"))]
    if not labels:
        raise LoadError("leaderboard", [Problem(1, "workout", "no workout column (long board) and no workout columns (wide)")])
    tiebreaks = {c: next((t for t in frame.columns if _key(t) in (f"{_key(c)}_tiebreak", f"{_key(c)}_tb")), None) for c in labels}
    for line, record in frame.iterrows():
        for label in labels:
            rows.append({"line": line, **{f: record[c] if c else "" for f, c in athlete_fields.items()},
                         "label": label.strip(), "score": record[label],
                         "tiebreak": record[tiebreaks[label]] if tiebreaks[label] else "", "column": label})
    return rows


def _workout_ids(conn, labels: list[str], given: dict[str, str]) -> dict[str, str]:
    stored = wods.titles(conn)
    by_title = {title.lower(): wod_id for wod_id, title in stored}
    ids = {wod_id for wod_id, _ in stored}
    found, problems = {}, []
    for label in labels:
        reference = given.get(label, label)
        for candidate in (reference, f"Open {reference}"):
            if candidate.lower() in ids or candidate.lower() in by_title:
                found[label] = candidate.lower() if candidate.lower() in ids else by_title[candidate.lower()]
                break
        else:
            problems.append(Problem(1, label, f"no stored workout titled {reference!r} or 'Open {reference}': load it, "
                                              f"or map it with workouts={{{label!r}: 'its title'}}"))
    if problems:
        raise LoadError("leaderboard", problems)
    return found


def load_leaderboard(engine: Engine, path: Path | str | pd.DataFrame, competition: str, *, notation: str = "games",
                     workouts: dict[str, str] | None = None, date: dt.date | None = None,
                     update: bool = False) -> LoadReport:
    """Load a competition leaderboard export (see the module docstring); one transaction, all or nothing."""
    if not competition or not competition.strip():
        raise WodlabError("a leaderboard needs the competition's name (competition=...)")
    frame, name = loading.read_rows(path)
    rows = long_rows(frame, _canonical_columns(frame))
    labels = list(dict.fromkeys(r["label"] for r in rows))
    day = date or dt.date.today()
    report = LoadReport(RESULTS.table, name, rows_read=len(rows))
    with engine.begin() as conn:
        wod_ids = _workout_ids(conn, labels, workouts or {})
        scoring = {label: Scoring.of(wods.document(conn, wod_ids[label]).document) for label in labels}
        athletes = _athletes(rows)
        loading.load(conn, ATHLETES, athletes, update=update, refresh=False)  # refreshed once, below
        comp = competition_id(competition)
        conn.execute(sa.text("INSERT INTO competitions (id, name, notation) VALUES (:id, :n, :notation) "
                             "ON CONFLICT (id) DO NOTHING"), {"id": comp, "n": competition.strip(), "notation": notation})
        session_of, date_of = {}, {}
        for ordinal, label in enumerate(labels, start=1):
            session_of[label] = stable_id("session", f"competition|{competition.strip()}|{label}")
            sessions.ensure_session(conn, session_of[label], wod_ids[label], day, "RX", competition.strip())
            date_of[label] = sessions.session_info(conn, session_of[label])["session_date"]  # a reload keeps the first date
            conn.execute(sa.text("INSERT INTO competition_workouts (competition_id, label, ordinal, session_id) "
                                 "VALUES (:c, :l, :o, :s) ON CONFLICT (competition_id, label) DO NOTHING"),
                         {"c": comp, "l": label, "o": ordinal, "s": session_of[label]})
        conn.execute(sa.text("INSERT INTO competition_entries (competition_id, athlete_id, division) "
                             "VALUES (:c, :a, :d) ON CONFLICT (competition_id, athlete_id) DO UPDATE SET division = EXCLUDED.division"),
                     [{"c": comp, "a": athlete_id(external), "d": division} for external, division in _divisions(rows).items()])
        values, lines, problems = _results(rows, scoring, session_of, date_of, notation)
        if problems:
            raise LoadError(name, problems)
        written = loading.copy_insert(conn, RESULTS, values, update=update, source=name)
        if written.conflicts:
            raise ConflictError(name, loading.conflicts_of(RESULTS, written.conflicts, lines, values))
        report.inserted, report.unchanged, report.updated = written.inserted, written.unchanged, len(written.updated)
        views.refresh(conn)
    return report


def _athletes(rows: list[dict]) -> pd.DataFrame:
    first: dict[str, dict] = {}
    for row in rows:
        first.setdefault(row["athlete_id"].strip(), row)
    records = [{"external_id": key, "name": (r["name"] or key).strip(), "gender": GENDERS.get(r["gender"].strip().lower(), "")}
               for key, r in first.items() if key]
    return pd.DataFrame(records, columns=["external_id", "name", "gender"],
                        index=pd.Index([first[r["external_id"]]["line"] for r in records], name="line"))


def _divisions(rows: list[dict]) -> dict[str, str]:
    out = {}
    for row in rows:
        key = row["athlete_id"].strip()
        if key and key not in out:
            out[key] = division_of(GENDERS.get(row["gender"].strip().lower()), row["age"].strip() or None,
                                   row["division"].strip() or None)
    return out


def _results(rows: list[dict], scoring: dict, session_of: dict, date_of: dict, notation: str) -> tuple[list, list, list[Problem]]:
    values, lines, problems = [], [], []
    for row in rows:
        if not row["athlete_id"].strip():
            problems.append(Problem(row["line"], "athlete_id", "is empty"))
            continue
        try:
            score = parse_score(row["score"], scoring[row["label"]], notation=notation)
            if row["tiebreak"].strip() and score.status not in NO_SCORES:
                score = replace(score, tiebreak=parse_score(row["tiebreak"]).score_value)
        except (ScoreSyntaxError, ScoreMismatch) as problem:
            problems.append(Problem(row["line"], row["column"], str(problem).splitlines()[0]))
            continue
        values.append(result_values(session_of[row["label"]], athlete_id(row["athlete_id"]), score,
                                    scoring[row["label"]], "RX", date_of[row["label"]]))
        lines.append(row["line"])
    return values, lines, problems
