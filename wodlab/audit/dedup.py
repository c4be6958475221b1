"""Duplicate workouts: exact, semantic and near, ranked, with a merge plan.

- exact: the same text once case, spacing and blank lines are normalised. The seed's
  generate_wod_hash only lower-cases and strips the ends, so a copy with other spacing inside gets
  another source_hash and a second row. (Two rows can never share a source_hash: the UNIQUE
  constraint and ON CONFLICT make a re-import of the same text return the existing row.)
- semantic: the same workout once compiled by wodcraft, whatever its title, layout, comments, case,
  notes or unit spelling (95 lb and 43 kg compile to the same load): the compiled blocks, score,
  levels, cap, team and vest are equal once source positions, display names and written units are
  set aside.
- near: the same compiled skeleton (formats, movements, rep scheme, levels) with small changes in
  the numbers: every number within `threshold` relative difference (default 35%).

Pairs are ranked exact, then semantic, then near by similarity. The merge plan keeps, in each
pair, the workout with more sessions (then more results, then the shorter title, then the smaller
id), lists what would move to it, and says whether the merge is safe (exact and semantic pairs) or
not (near pairs: other numbers). wodlab.audit.merge applies it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections import defaultdict

import pandas as pd
from sqlalchemy.engine import Engine

from wodlab.core.frames import FLOAT, INT, TEXT, typed_frame
from wodlab.store import queries
from wodlab.tables.wods import documents

KINDS = ("exact", "semantic", "near")
# What says how or where a workout was written, not what it asks for.
_PRESENTATION_KEYS = {"source", "name", "unit", "written", "used", "lb", "in"}
PAIRS_SCHEMA = {"kind": TEXT, "similarity": FLOAT, "a_id": TEXT, "a_title": TEXT, "b_id": TEXT, "b_title": TEXT,
                "differences": TEXT}
PLAN_SCHEMA = {"kind": TEXT, "keep_id": TEXT, "keep_title": TEXT, "merge_id": TEXT, "merge_title": TEXT,
               "sessions_to_move": INT, "results_to_move": INT, "safe": "boolean", "why": TEXT}
# Whether a pair's results can share one board once merged, and why (the plan says it for each pair).
SAFETY = {"exact": (True, "the same text: one workout"),
          "semantic": (True, "the same compiled workout written differently: its results are comparable"),
          "near": (False, "some numbers differ: the results are not comparable; merge only if that is intended "
                          "(allow_near=True)")}


def normalized_text(source: str) -> str:
    """Lower case, inner runs of spaces collapsed, line ends trimmed, blank lines dropped."""
    lines = (re.sub(r"[ \t]+", " ", line).strip().lower() for line in source.splitlines())
    return "\n".join(line for line in lines if line)


def _strip(node):
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k not in _PRESENTATION_KEYS}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def canonical(document: dict) -> dict:
    """What a compiled workout asks an athlete to do, and nothing about how it was written."""
    vest = (document.get("meta") or {}).get("vest")
    return _strip({"blocks": document.get("blocks", []), "score": document.get("score"),
                   "levels": document.get("levels") or {}, "cap_s": document.get("cap_s"),
                   "team": document.get("team"), "vest": vest})


def _numbers(node, out: list) -> list:
    if isinstance(node, bool):
        return out
    if isinstance(node, (int, float)):
        out.append(float(node))
    elif isinstance(node, dict):
        for key in sorted(node):
            _numbers(node[key], out)
    elif isinstance(node, list):
        for value in node:
            _numbers(value, out)
    return out


def skeleton(node):
    """The canonical form with every number replaced by '#': the shape near-duplicates share."""
    if isinstance(node, bool) or node is None or isinstance(node, str):
        return node
    if isinstance(node, (int, float)):
        return "#"
    if isinstance(node, dict):
        return {k: skeleton(v) for k, v in node.items()}
    return [skeleton(v) for v in node]


def _key(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def _closeness(a: list[float], b: list[float]) -> tuple[float, float, int]:
    """(similarity = 1 - mean relative difference, largest relative difference, numbers that differ)."""
    diffs = [abs(x - y) / max(abs(x), abs(y)) if max(abs(x), abs(y)) else 0.0 for x, y in zip(a, b)]
    return 1 - sum(diffs) / len(diffs) if diffs else 1.0, max(diffs, default=0.0), sum(d > 0 for d in diffs)


def _workouts(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return _keyed(documents(conn))


def _keyed(stored: list) -> pd.DataFrame:
    """Stored workouts with the keys each kind of duplicate shares (text, semantic, skeleton)."""
    stored = sorted(stored, key=lambda w: w.id)
    frame = pd.DataFrame([(w.id, w.title, w.source, w.document) for w in stored],
                         columns=["id", "title", "dsl_source", "document"])
    frame["text_key"] = frame["dsl_source"].map(lambda s: _key(normalized_text(s)))
    frame["canonical"] = frame["document"].map(canonical)
    frame["semantic_key"] = frame["canonical"].map(_key)
    frame["skeleton_key"] = frame["canonical"].map(lambda c: _key(skeleton(c)))
    return frame


def _pairs_sharing(frame: pd.DataFrame, column: str):
    groups = defaultdict(list)
    for row in frame.itertuples(index=False):
        groups[getattr(row, column)].append(row)
    for members in groups.values():
        yield from itertools.combinations(members, 2)


def pair_kind(conn, a: str, b: str, threshold: float = 0.35) -> str | None:
    """The kind of duplicate two stored workouts are (exact, semantic, near), by the rules of find_duplicates;
    None when they are not duplicates."""
    frame = _keyed(documents(conn, [a, b]))
    if len(frame) < 2:
        return None
    first, second = frame.iloc[0], frame.iloc[1]
    if first["text_key"] == second["text_key"]:
        return "exact"
    if first["semantic_key"] == second["semantic_key"]:
        return "semantic"
    if first["skeleton_key"] == second["skeleton_key"]:
        _, largest, _ = _closeness(_numbers(first["canonical"], []), _numbers(second["canonical"], []))
        return "near" if largest <= threshold else None
    return None


THRESHOLD = 0.35  # the near-duplicate distance below which two workouts are listed


def find_duplicates(engine: Engine, threshold: float = THRESHOLD) -> pd.DataFrame:
    """Every duplicate pair, ranked: columns kind, similarity, a_id, a_title, b_id, b_title, differences."""
    frame = _workouts(engine)
    found, seen = [], set()
    for kind, column in (("exact", "text_key"), ("semantic", "semantic_key")):
        for a, b in _pairs_sharing(frame, column):
            if (a.id, b.id) not in seen:
                seen.add((a.id, b.id))
                note = "same text" if kind == "exact" else "same compiled workout"
                found.append((kind, 1.0, a.id, a.title, b.id, b.title, note))
    for a, b in _pairs_sharing(frame, "skeleton_key"):
        if (a.id, b.id) in seen:
            continue
        similarity, largest, differing = _closeness(_numbers(a.canonical, []), _numbers(b.canonical, []))
        if largest <= threshold:
            found.append(("near", round(similarity, 4), a.id, a.title, b.id, b.title,
                          f"{differing} number(s) differ, by up to {largest:.0%}"))
    found.sort(key=lambda p: (KINDS.index(p[0]), -p[1], p[3], p[5]))
    return typed_frame(found, PAIRS_SCHEMA)


def merge_plan(engine: Engine, pairs: pd.DataFrame) -> pd.DataFrame:
    """For each pair: which workout to keep, which to merge into it, and what would move."""
    usage = queries.run(engine, "workout_usage")
    used = {r.wod_id: (int(r.sessions), int(r.results)) for r in usage.itertuples()}
    plan = []
    for pair in pairs.itertuples(index=False):
        a = (pair.a_id, pair.a_title, *used.get(pair.a_id, (0, 0)))
        b = (pair.b_id, pair.b_title, *used.get(pair.b_id, (0, 0)))
        keep, drop = sorted([a, b], key=lambda w: (-w[2], -w[3], len(w[1]), w[0]))
        safe, why = SAFETY[pair.kind]
        plan.append({"kind": pair.kind, "keep_id": keep[0], "keep_title": keep[1], "merge_id": drop[0],
                     "merge_title": drop[1], "sessions_to_move": drop[2], "results_to_move": drop[3], "safe": safe,
                     "why": why})
    return typed_frame(plan, PLAN_SCHEMA)
