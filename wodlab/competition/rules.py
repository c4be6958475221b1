"""A competition's rules as data: how places become points, how equal totals are broken, what a no-score earns.

Rules are a small JSON document stored with the competition (competitions.rules, migration 020):

    {"scoring": "placement-sum" | "points-table" | "fixed-step",
     "table": [100, 95, 90, ...],                       points-table: the points of 1st, 2nd, ... place
     "first": 100, "step": 5, "floor": 0,               fixed-step: first place's points, the step down, the least
     "tiebreaks": ["countback", "last-workout", ...],   applied in order to equal totals; then ties are shared
     "no_score": "shared-last" | "no-points",
     "capped_as_time": false}

- placement-sum: a workout's points are the athlete's place on it; the lowest total wins (the Open).
- points-table / fixed-step: a place's points from the table (past its end: its last value) or from
  first - step x (place - 1), never below floor; the highest total wins. Athletes tied on a workout
  all take the higher place's points, and the next place is skipped (places are shared, "1, 2, 2, 4").
- tie-breaks, for athletes with equal totals, in the order given: `countback` (most first places,
  then most second places, ...), `best-finish` (the best single place), `last-workout` (the better
  place on the last workout of the series), `shared` (stop: the rest share a rank, as if the list
  ended there).
- no_score: `shared-last` (every no-score on a workout shares the place after the last score, and
  earns that place's points) or `no-points` (a no-score earns nothing; only with a points table or
  fixed steps, where nothing is the worst).
- capped_as_time: a capped for-time score is shown as its time equivalent, the cap plus one second
  per rep not done (the Games' convention). Its place does not change: it is already after every
  finisher and ordered by reps done.

Presets (PRESETS) name the common ones; `rules_of` accepts a preset's name, a dict (keys left out
take the default), or a Rules.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from wodlab.core.errors import WodlabError

SCORINGS = ("placement-sum", "points-table", "fixed-step")
TIEBREAKS = ("countback", "best-finish", "last-workout", "shared")
NO_SCORE_POLICIES = ("shared-last", "no-points")


@dataclass(frozen=True)
class Rules:
    scoring: str = "placement-sum"
    table: tuple[int, ...] = ()
    first: int = 100
    step: int = 5
    floor: int = 0
    tiebreaks: tuple[str, ...] = ("shared",)
    no_score: str = "shared-last"
    capped_as_time: bool = False

    @property
    def lowest_wins(self) -> bool:
        return self.scoring == "placement-sum"

    def points_of_place(self, place: int) -> int:
        """A place's points on one workout."""
        if self.scoring == "placement-sum":
            return place
        if self.scoring == "points-table":
            return self.table[min(place, len(self.table)) - 1]
        return max(self.first - self.step * (place - 1), self.floor)

    def as_json(self) -> str:
        document = asdict(self)
        document["table"], document["tiebreaks"] = list(self.table), list(self.tiebreaks)
        return json.dumps(document, sort_keys=True)


# Where each preset comes from (README, Competitions):
# - "open": CrossFit's Open: a workout's points are the athlete's place, the lowest total wins
#   (CrossFit Games, "Scoring the 2013 Reebok CrossFit Games": "In the Open and Regionals, the points
#   equaled the place"); equal totals share a rank, as complete official Open boards print them.
#   No published rulebook sentence on overall ties was found: the shared rank is what the boards show.
# - "open-countback": the Open's points, equal totals broken by countback (wodlab's rule before rules
#   were data; many local throwdowns use it).
# - "fixed-step": 100 points for first place and 5 fewer for each place after (a common local format,
#   e.g. team leagues scoring "100 for first, 95 for second"), ties broken by countback then the last
#   workout. The Games' own 100-point chart (100, 95, 90 ... with uneven gaps further down) was not
#   found whole in a primary source: give it as a points-table.
PRESETS = {
    "open": Rules(),
    "open-countback": Rules(tiebreaks=("countback", "shared")),
    "fixed-step": Rules(scoring="fixed-step", first=100, step=5, floor=0, tiebreaks=("countback", "last-workout", "shared")),
}


def rules_of(given: Rules | str | dict | None) -> Rules:
    """Rules from a preset's name, a dict (e.g. parsed JSON; "table" may be a CSV file's path) or Rules;
    WodlabError naming what is wrong."""
    if given is None:
        return PRESETS["open"]
    if isinstance(given, Rules):
        return _checked(given)
    if isinstance(given, str):
        if given in PRESETS:
            return PRESETS[given]
        if given.strip().startswith("{"):
            try:
                return rules_of(json.loads(given))
            except ValueError as problem:
                raise WodlabError(f"rules: not JSON ({problem})") from None
        raise WodlabError(f"unknown rules preset {given!r}: presets are {', '.join(PRESETS)}, or give the rules as "
                          "JSON (scoring, table, first, step, floor, tiebreaks, no_score, capped_as_time)")
    if not isinstance(given, dict):
        raise WodlabError(f"rules must be a preset's name, a dict or Rules, not {type(given).__name__}")
    unknown = set(given) - set(Rules.__dataclass_fields__) - {"preset"}
    if unknown:
        raise WodlabError(f"rules: unknown key(s) {', '.join(sorted(unknown))}; "
                          f"keys are {', '.join(Rules.__dataclass_fields__)} (and preset)")
    base = asdict(rules_of(given.get("preset", "open")))
    base.update({k: v for k, v in given.items() if k != "preset"})
    table = base["table"]
    if isinstance(table, str | Path):
        table = read_table(Path(table))
    try:
        rules = Rules(scoring=base["scoring"], table=tuple(_whole(v, "table") for v in table or ()),
                      first=_whole(base["first"], "first"), step=_whole(base["step"], "step"),
                      floor=_whole(base["floor"], "floor"), tiebreaks=tuple(base["tiebreaks"]),
                      no_score=base["no_score"], capped_as_time=bool(base["capped_as_time"]))
    except TypeError as problem:
        raise WodlabError(f"rules: {problem}") from None
    return _checked(rules)


def _whole(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise WodlabError(f"rules: {name} must hold whole numbers, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise WodlabError(f"rules: {name} must hold whole numbers, got {value!r}") from None
    if number != int(number):
        raise WodlabError(f"rules: {name} must hold whole numbers, got {value!r}")
    return int(number)


def _checked(rules: Rules) -> Rules:
    if rules.scoring not in SCORINGS:
        raise WodlabError(f"rules: unknown scoring {rules.scoring!r}; scorings are {', '.join(SCORINGS)}")
    bad = [t for t in rules.tiebreaks if t not in TIEBREAKS]
    if bad:
        raise WodlabError(f"rules: unknown tie-break {bad[0]!r}; tie-breaks are {', '.join(TIEBREAKS)}")
    if rules.no_score not in NO_SCORE_POLICIES:
        raise WodlabError(f"rules: unknown no_score {rules.no_score!r}; choose {' or '.join(NO_SCORE_POLICIES)}")
    if rules.scoring == "points-table" and not rules.table:
        raise WodlabError("rules: a points-table needs its table (the points of 1st, 2nd, ... place)")
    if rules.scoring == "placement-sum" and rules.no_score == "no-points":
        raise WodlabError("rules: no_score 'no-points' needs points that grow with the place (points-table or "
                          "fixed-step); under a placement sum a no-score takes the shared last place")
    if rules.table and any(a < b for a, b in zip(rules.table, rules.table[1:])):
        raise WodlabError("rules: a points table must not give a lower place more points than a higher one")
    if rules.scoring == "fixed-step" and rules.step <= 0:
        raise WodlabError("rules: fixed-step needs a step of 1 or more")
    return rules


def read_table(path: Path) -> list[int]:
    """A points table from a CSV file: one row per place, the points in a column named `points` (or the
    only column), in place order."""
    if not path.is_file():
        raise WodlabError(f"{path}: no such file (the points table)")
    with path.open(newline="", encoding="utf-8-sig") as data:
        rows = list(csv.DictReader(data))
    if not rows:
        raise WodlabError(f"{path}: no rows (the points table: one row per place, a `points` column)")
    column = "points" if "points" in rows[0] else next(iter(rows[0])) if len(rows[0]) == 1 else None
    if column is None:
        raise WodlabError(f"{path}: which column holds the points? name it `points`")
    table = []
    for line, row in enumerate(rows, start=2):
        try:
            table.append(_whole(row[column], "table"))
        except WodlabError:
            raise WodlabError(f"{path}, line {line}, column {column!r}: {row[column]!r} is not a whole number") from None
    return table

