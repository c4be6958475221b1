"""The Lab's audit verbs: suspicious results, duplicate workouts and their merges, whiteboard against tracker."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from wodlab.audit import dedup, flags, merge
from wodlab.tables import tracker


class AuditVerbs:
    engine: Engine

    def suspicious_results(self, *, refresh: bool = True) -> pd.DataFrame:
        """Results to check before believing them (impossible for the workout, or far off the athlete's
        level; see wodlab.audit.flags), worst first. refresh=False shows the last check without redoing it."""
        if refresh:
            flags.refresh(self.engine)
        return self.query("suspicious_results")

    def reconcile(self, session) -> pd.DataFrame:
        """Whiteboard scores against the tracker's events for one session; see wodlab.tables.tracker.reconcile."""
        return tracker.reconcile(self.engine, self.session_id(session))

    def duplicates(self, *, threshold: float = dedup.THRESHOLD) -> pd.DataFrame:
        """Duplicate workout pairs (exact, semantic, near), ranked; columns dedup.PAIRS_SCHEMA."""
        return dedup.find_duplicates(self.engine, threshold)

    def merge_plan(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """Which workout of each pair to keep, what would move, and whether it is safe; columns dedup.PLAN_SCHEMA."""
        return dedup.merge_plan(self.engine, pairs)

    def merge_wods(self, keep: str, drop: str, *, allow_near: bool = False, dry_run: bool = False) -> merge.MergeReport:
        """Merge workout `drop` into `keep` (ids or titles) in one transaction: its sessions, results, events,
        competition workouts, boards and flags move; the dropped row is archived (wodlab.audit.merge).
        Near duplicates only with allow_near=True; dry_run says what would move and writes nothing."""
        return merge.merge_workouts(self.engine, keep, drop, allow_near=allow_near, dry_run=dry_run)

    def apply_merge_plan(self, plan: pd.DataFrame, *, kinds=merge.SAFE_KINDS, allow_near: bool = False,
                         dry_run: bool = False) -> list[merge.MergeReport]:
        """merge_wods for each row of a merge plan of the given kinds, in order (wodlab.audit.merge.apply_plan)."""
        return merge.apply_plan(self.engine, plan, kinds=kinds, allow_near=allow_near, dry_run=dry_run)

    def undo_merge(self, merge_id: int) -> merge.MergeReport:
        """Put back exactly what merge `merge_id` changed: the same ids, the same rows."""
        return merge.undo_merge(self.engine, merge_id)

    def merges(self) -> pd.DataFrame:
        """Every merge, newest first, and whether it was undone; columns merge.MERGES_SCHEMA."""
        return merge.merges(self.engine)
