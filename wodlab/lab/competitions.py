"""The Lab's competition verbs: boards loaded, their rules, standings and places under them, judging."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine

from wodlab.competition import boards, standings
from wodlab.competition.judging import check_judgment, judge, results_of, store_rules, stored_rules
from wodlab.competition.rules import Rules, rules_of
from wodlab.lab import arguments
from wodlab.lab.loads import Source
from wodlab.load.report import LoadReport
from wodlab.store.names import resolve_competition


class CompetitionVerbs:
    engine: Engine

    def load_leaderboard(self, source: Source, *, competition: str, notation: str = "games",
                         workouts: dict[str, str] | None = None, date=None, update: bool = False, skip_bad: bool = False,
                         rejects: str | Path | None = None, rules=None) -> LoadReport:
        """A competition leaderboard as exported (long or wide; see wodlab.competition.boards), in one transaction:
        all or nothing, unless skip_bad (the bad rows, with their reasons, to a reject file). rules: the
        competition's rules (wodlab.competition.rules: a preset's name such as "open", a dict, Rules)."""
        return boards.load_leaderboard(self.engine, source, competition, notation=notation, workouts=workouts,
                                       date=date, update=update, skip_bad=skip_bad, rejects=rejects, rules=rules)

    def standings(self, competition: str, *, division: str | None = None, judging: str = "all") -> pd.DataFrame:
        """Overall standings per division under the competition's rules (wodlab.competition.standings): rank,
        points, how the place was settled (decided_by), and each workout's place and points. judging="valid"
        counts only results a judge accepted."""
        placed, rules = self._places(competition, division, judging)
        return standings.standings(placed, rules)

    def competition_results(self, competition: str, *, division: str | None = None, judging: str = "all") -> pd.DataFrame:
        """Each athlete's place and points on each workout, within the division, under the competition's rules,
        with each result's judgment (wodlab.competition.standings.PLACES_SCHEMA)."""
        return self._places(competition, division, judging)[0]

    def competition_rules(self, competition: str) -> Rules:
        """The competition's stored rules (wodlab.competition.rules)."""
        with self.engine.connect() as conn:
            return stored_rules(conn, resolve_competition(conn, competition))

    def set_competition_rules(self, competition: str, rules) -> Rules:
        """Replace the competition's rules (a preset's name, a dict, Rules): standings re-rank at once, nothing reloads."""
        checked = rules_of(rules)
        with self.engine.begin() as conn:
            store_rules(conn, resolve_competition(conn, competition), checked)
        return checked

    def judge(self, competition: str, *, athlete: str, workout: str, status: str, penalty: float | None = None,
              unit: str | None = None, reason: str | None = None) -> bool:
        """Judge one result of a competition: athlete (the board's athlete id), workout (the board's label),
        status pending / valid / invalid / adjusted (with a penalty in reps, seconds or percent, and a reason).
        The change is kept in load_history; False when nothing changed."""
        check_judgment(status, penalty, unit)
        with self.engine.begin() as conn:
            found = results_of(conn, resolve_competition(conn, competition), athlete, workout)
            found = found.assign(status=status, penalty=penalty, penalty_unit=unit if penalty is not None else None,
                                 reason=reason)
            return judge(conn, found, source=f"judge: {reason or status}") > 0

    def _places(self, competition: str, division: str | None, judging: str) -> tuple[pd.DataFrame, Rules]:
        arguments.choice("judging", judging, standings.JUDGING)  # before any read
        with self.engine.connect() as conn:
            return standings.read_places(conn, resolve_competition(conn, competition), division, judging)
