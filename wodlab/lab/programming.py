"""The Lab's programming verbs: a period's programme, its balance findings, similar and suggested workouts."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from wodlab import programming
from wodlab.lab import arguments


class ProgrammingVerbs:
    engine: Engine

    def programming(self, *, start=None, end=None, track: str | None = "RX", weeks: int | None = None
                    ) -> programming.Programme:
        """The period's programme: `.sessions` (time domain, modality shares, families, loading, difficulty per
        session), `.movements` (session x movement with its share of the work) and `.weeks`. Dates inclusive;
        `weeks=12` reviews the 12 weeks up to `end` (default: the last scheduled session); track None: every track."""
        track = arguments.track(track)
        start, end = programming.period(self.engine, start, end, track, weeks)
        return programming.programme(self.engine, start, end, track)

    def programming_report(self, *, start=None, end=None, track: str | None = "RX", weeks: int | None = None,
                           targets: programming.Targets | None = None) -> pd.DataFrame:
        """The balance findings of a period, worst first: one row per rule broken (wodlab.programming.review)."""
        track = arguments.track(track)
        start, end = programming.period(self.engine, start, end, track, weeks)
        return programming.report(self.engine, start, end, track, targets)

    def similar_wods(self, wod, *, k: int = 10, track: str | None = "RX") -> pd.DataFrame:
        """The k stored workouts most like `wod` (movements, families, modality mix, time domain, loading)."""
        return programming.similar_wods(self.engine, self.wod_reference(wod), arguments.count("k", k),
                                        arguments.track(track))

    def suggest_wods(self, *, start=None, end=None, k: int = 10, track: str | None = "RX", weeks: int | None = None,
                     targets: programming.Targets | None = None, recent_weeks: int = 4) -> pd.DataFrame:
        """Stored workouts that would best move the period's mix toward `targets`, none done in the period or
        in the `recent_weeks` before its end."""
        track = arguments.track(track)
        start, end = programming.period(self.engine, start, end, track, weeks)
        return programming.suggest_wods(self.engine, start, end, arguments.count("k", k), track, targets,
                                        arguments.count("recent_weeks", recent_weeks))
