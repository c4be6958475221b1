"""A simulated box with known ground truth: athletes, a programming calendar, results, live events.

Everything is drawn from one seed (numpy's PCG64), in a fixed order, so the same seed writes
byte-identical files. Scores are written as whiteboard *text* in varied notations and go into the
database through the real loaders (`wodlab.exchange.box.load_box`), so the simulator exercises the real path.

The generative model (ground truth in truth.json):

- athlete i has a general ability g_i ~ N(0, 0.25), one ability per modality a_im = g_i + N(0, 0.12)
  (strength, gymnastics, cardio), a gender, a preferred track (RX for the top 55% of g), and a
  weekly progression rate r_i ~ N(0.10, 0.05) per 16 weeks (PRs come with time);
- workout j (per track: an *item*) has a true difficulty d_j on the log-pace scale, from the
  features of wodlab.difficulty (of the Rx workout, or of its scaled version as wodcraft resolves
  it): d = -0.20 + 0.15 ln(minutes / 10) + 0.40 (load ratio - 1) + 0.12 (skill - 2.5) + 0.20 gymnastics share
  - 0.15 cardio share + 0.02 vest kg + u_j, with minutes bounded by the cap, the load ratio at most
  2.5 (1 for bodyweight work), u_j ~ N(0, 0.08) shared by both levels, and the scaled item a further
  0.10 + N(0, 0.04) easier. The baseline heuristic ignores the modality mix, the vest and the level:
  a calibration has something to learn;
- a result is y_ij = a_i(j) - d_j + N(0, 0.12), where a_i(j) mixes the athlete's modality abilities
  by the workout's share of work in each, plus progression. It becomes a score against the
  workout's standard S_j (wodlab.workouts.structure.standard_performance): a time S_j exp(-y), capped at the
  cap (then reps done at that pace), a number of AMRAP reps S_j exp(y), a load S_j exp(y). Results
  are drawn against the Rx standard; a scaled item's difficulty in truth.json is restated against
  its own standard (the scaled version, re-estimated: what wodlab.difficulty.observed measures it
  against), d + ln(S_rx / S_scaled) for a time (on_own_standard), and every item's against the
  box's average athlete, as the fit defines difficulty: d - s m, with m the mean of the athletes'
  true levels and s the item's true spread (_against_the_average_athlete);
- the biases of real boxes: attendance P = sigmoid(0.25 + 12 g_i (d_j - mean d) + s_i) so strong
  athletes come more for hard workouts, and Saturday is the competition team's day (s_i = 10 g_i on
  Saturdays, 0 otherwise); an RX athlete scales when the workout is above them
  (P = sigmoid(6 (d_j - a_i - 0.3))), a scaled athlete tries Rx on easy days
  (P = sigmoid(4 (a_i - d_j - 0.6))); a for-time workout without cap is a DNF with
  P = sigmoid(-6 + 4 (d_j - a_i)); 0.3% of athletes register and do not start (DNS);
- gross logging errors at a configurable rate (default 2%): a digit slips into the minutes, rounds
  gain ten, kg and lb are swapped — the score stays readable and valid, just wrong;
- duplicates planted in the calendar: semantic duplicates (the same workout retitled, re-cased,
  commented, loads in kg instead of lb), near-duplicates (one quantity changed) and an exact
  duplicate (the same text typed with other spacing: another source_hash, a second row with the
  same title, which the files then name by id), all listed in truth.json with their ids;
- realized events for the AMRAP and for-time classes of the last `tracked_weeks` weeks, one per
  movement set, whose quantities add up to the athlete's true score (a gross error is a slip of the
  pen on the whiteboard: the tracker saw the true work).

That is the model the joint difficulty fit assumes. SimulationConfig.scenario names a set of
Departures (SCENARIOS) from it, the ways real boxes differ: spread growing with duration, a random
walk on top of progression, specialists, noise by modality, sandbagging, bad days never logged,
fatigue at caps and DNFs when a workout is far too hard, a larger hidden per-workout effect and
non-linear difficulty terms; "realistic" has them all.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
from wodcraft.api import compile_source
from wodcraft.library import entries

from wodlab.core.ids import stable_id
from wodlab.scoring.scores import format_clock
from wodlab.tables.wods import generate_wod_hash, level_document, resolved_versions
from wodlab.workouts.catalog import FAMILIES, catalog_movements
from wodlab.workouts.features import features
from wodlab.workouts.structure import (
    Scoring,
    bounded_by_cap,
    counted_work,
    item_version,
    movement_sets,
    rep_distances,
    standard_performance,
    walk_movements,
)

KINDS = ("time", "rounds+reps", "load")  # what the simulator programs: a score it can model
MODALITIES = ("strength", "gymnastics", "cardio")
LOCATION = "Main floor"
START = dt.date(2026, 1, 5)  # a Monday
CLASS_DAYS = (0, 1, 2, 4, 5)  # Mon, Tue, Wed, Fri, Sat
BENCHMARKS = ("girls/fran", "girls/cindy", "girls/grace", "girls/helen", "girls/diane", "girls/annie")
SEMANTIC_TWINS = ("girls/fran", "girls/helen", "girls/cindy")
NEAR_TWINS = ("girls/grace", "girls/karen", "heroes/dt")
EXACT_TWIN = "girls/jackie"
FIRST_NAMES = {
    "F": ("Ada", "Cleo", "Eden", "Ines", "Jade", "Lina", "Lou", "Mila", "Nora", "Sasha", "Zoe", "Maya"),
    "M": ("Alex", "Hugo", "Leo", "Max", "Noa", "Omar", "Paul", "Remy", "Sam", "Theo", "Yan", "Karim"),
}
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Laurent", "Moreau", "Garcia", "Roux", "Fournier", "Girard", "Lambert",
              "Fontaine", "Mercier", "Blanc", "Guerin", "Muller", "Henry", "Perrin", "Morel", "Dupont", "Leroy")


@dataclass(frozen=True)
class SimulationConfig:
    athletes: int = 120
    weeks: int = 16
    seed: int = 0
    gross_error_rate: float = 0.02
    tracked_weeks: int = 4  # live events for the last weeks only (the box started tracking then)
    noise: float = 0.12  # sd of y around ability - difficulty
    extra_wods: tuple[str, ...] = ()  # .wod files or folders whose workouts join the programming
    scenario: str = "default"  # how real data departs from the model wodlab fits: a key of SCENARIOS
    # Workouts' true difficulties drawn from this seed and each workout's key, not from the box's seed:
    # boxes with one world_seed and different seeds are two boxes of one population doing the same
    # workouts (a workout is as hard in every box). None: drawn with the box, as always.
    world_seed: int | None = None


@dataclass(frozen=True)
class Departures:
    """Ways real boxes depart from the model the joint fit assumes; each 0 / False is "as simulated today".

    Their random draws come from a stream of their own: a scenario changes only what it names, and
    the default scenario writes exactly the files it always wrote.
    """

    spread_power: float = 0.0  # y = ability x (minutes / 10)^p - difficulty: long workouts separate athletes more
    progression_walk: float = 0.0  # sd per week of a random walk added to each athlete's linear progression
    specialist_sd: float = 0.0  # sd of each athlete's edge per ln(minutes / 10) (sprinters vs engines)
    modality_sd: float = 0.12  # sd of each modality's ability around the athlete's general ability
    noise_by_modality: tuple[float, float, float] | None = None  # noise sd in strength, gymnastics, cardio work
    sandbagging: float = 0.0  # share of results done at an easy pace: y lowered by |N(0, 0.3)|
    bad_days_unlogged: float = 0.0  # chance that a result 1 sd below the athlete's level is never written down
    # reps at the cap = total x (cap / time)^f. f < 1: capped athletes slow down (they did more of the work early
    # than a constant pace would), so the constant-pace time of their reps flatters them
    cap_fatigue: float = 1.0
    dnf_when_too_hard: bool = False  # a capped workout far above the athlete ends in a DNF too
    hidden_sd: float = 0.08  # sd of the per-workout effect no feature explains (shared by both levels)
    nonlinear: float = 0.0  # weight of difficulty terms that are not linear in the features
    gross_error_rate: float | None = None  # overrides SimulationConfig.gross_error_rate when set


SCENARIOS = {
    "default": Departures(),
    "spread": Departures(spread_power=0.4),
    "progression": Departures(progression_walk=0.03),
    "specialists": Departures(specialist_sd=0.15, modality_sd=0.25),
    "noisy-modalities": Departures(noise_by_modality=(0.10, 0.20, 0.08)),
    "sandbagging": Departures(sandbagging=0.10),
    "unlogged-bad-days": Departures(bad_days_unlogged=0.5),
    "censoring": Departures(cap_fatigue=0.7, dnf_when_too_hard=True),
    "hidden-effects": Departures(hidden_sd=0.20, nonlinear=1.0),
    "realistic": Departures(spread_power=0.4, progression_walk=0.03, specialist_sd=0.15, modality_sd=0.25,
                            noise_by_modality=(0.10, 0.20, 0.08), sandbagging=0.10, bad_days_unlogged=0.5,
                            cap_fatigue=0.7, dnf_when_too_hard=True, hidden_sd=0.20, nonlinear=1.0,
                            gross_error_rate=0.05),
}


def departures(config: SimulationConfig) -> Departures:
    if config.scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {config.scenario!r}; choose one of {', '.join(SCENARIOS)}")
    return SCENARIOS[config.scenario]


@dataclass
class Workout:
    key: str  # library path, "planted:..." for the simulator's own texts, "extra:..." for given files
    title: str
    source: str
    document: dict
    planted: bool = False

    @property
    def from_library(self) -> bool:
        return ":" not in self.key

    @property
    def scoring(self) -> Scoring:
        return Scoring.of(self.document)


@dataclass
class Box:
    config: SimulationConfig
    workouts: list[Workout]
    athletes: list[dict]
    sessions: list[dict]
    results: list[dict]
    events: list[dict]
    truth: dict = field(default_factory=dict)


# --- workouts -----------------------------------------------------------------------------------------

def _compiled(source: str) -> dict:
    result = compile_source(source)
    if not result.ok:  # pragma: no cover - the planted texts are checked by the tests
        raise ValueError(result.report())
    return result.document


def _programmable(document: dict) -> bool:
    return Scoring.of(document).kind in KINDS and standard_performance(document) is not None


def _semantic_twin(source: str, title: str) -> str:
    """The same workout, written differently: new title, comments, upper case, kg instead of lb."""
    lines = source.splitlines()
    body = []
    for line in lines[1:]:
        if re.match(r"^\s*(tags|stimulus|note)\s*:", line, re.I):
            continue  # free text: leaving it out changes nothing the workout asks for
        line = re.sub(r"(\d+)/(\d+) lb\b", lambda m: _kg_pair(m[1], m[2]), line)
        body.append(line.upper() + ("  // same as always" if line.strip() and not line.strip().endswith(":") else ""))
    return "\n".join([f"# {title}", "// planted: a semantic duplicate", *body]) + "\n"


def _kg_pair(men: str, women: str) -> str:
    from wodcraft.catalog import load_equivalences

    table = load_equivalences()
    kg = [table.lb_to_kg(float(v)) for v in (men, women)]
    if None in kg:
        return f"{men}/{women} lb"
    return "/".join(f"{v:g}" for v in kg) + " kg"


def _near_twin(source: str, title: str) -> str:
    """The same workout with one quantity changed: the first movement line's reps, or the ladder."""
    lines = source.splitlines()
    out, changed = [f"# {title}", "// planted: a near-duplicate"], False
    for line in lines[1:]:
        if not changed and (m := re.match(r"^(\s+)(\d+)(\s+[A-Za-z].*)$", line)):
            line, changed = f"{m[1]}{int(m[2]) * 4 // 5}{m[3]}", True
        elif not changed and (m := re.match(r"^(\s*)(\d+(?:-\d+)+)(.*)$", line)):
            values = m[2].split("-")
            values[-1] = str(int(values[-1]) + 3)
            line, changed = f"{m[1]}{'-'.join(values)}{m[3]}", True
        out.append(line)
    return "\n".join(out) + "\n"


def _extra_workouts(paths: tuple[str, ...]) -> list[Workout]:
    """Workouts of the given files (sessions and multi-workout files included), as wodlab stores them."""
    from wodlab.tables.ingest import compile_file, expand_paths

    found = []
    for wod_file in expand_paths(list(paths)) if paths else []:
        for record in compile_file(wod_file):
            if _programmable(record.document):
                found.append(Workout(f"extra:{record.title}", record.title, record.dsl_source, record.document))
    return found


def build_workouts(extra_wods: tuple[str, ...] = ()) -> tuple[list[Workout], list[dict]]:
    """The pool the calendar draws from, and the planted duplicate pairs."""
    pool = []
    for entry in entries():
        document = _compiled(entry.source)
        if _programmable(document):
            pool.append(Workout(entry.path, document["title"], entry.source, document))
    pool += _extra_workouts(extra_wods)
    by_key = {w.key: w for w in pool}
    planted, pairs = [], []
    for keys, suffix, rewrite, kind in ((SEMANTIC_TWINS, " (coach's copy)", _semantic_twin, "semantic"),
                                        (NEAR_TWINS, " Lite", _near_twin, "near")):
        for key in keys:
            original = by_key[key]
            title = original.title + suffix
            text = rewrite(original.source, title)
            planted.append(Workout(f"planted:{title}", title, text, _compiled(text), planted=True))
            pairs.append({"a": original.title, "b": title, "kind": kind})
    exact = by_key[EXACT_TWIN]
    text = _respaced(exact.source)
    planted.append(Workout(f"planted:{exact.title} again", exact.title, text, _compiled(text), planted=True))
    pairs.append({"a": exact.title, "b": exact.title, "kind": "exact",
                  "note": "the same text with other spacing inside: another source_hash, a second row"})
    for pair in pairs:  # ids too: the exact twin shares its title with the original
        pair["a_id"] = _wod_id(by_key, pair["a"])
        pair["b_id"] = _wod_id({w.key: w for w in planted}, pair["b"], planted=True)
    return pool + planted, pairs


def _respaced(source: str) -> str:
    """The same text typed again: double spaces inside lines, trailing spaces, blank lines between."""
    lines = [re.sub(r"(\S) (\S)", r"\1  \2", line) + "  " for line in source.splitlines()]
    return "\n\n".join(lines) + "\n"


def _wod_id(workouts: dict, title: str, planted: bool = False) -> str:
    """The id wodlab will give the workout titled `title` (library first, unless planted)."""
    workout = next(w for w in workouts.values() if w.title == title and w.planted == planted)
    return _id_of(workout)


def _id_of(workout: Workout) -> str:
    return str(stable_id("wod", generate_wod_hash(workout.source)))


def wod_reference(workout: Workout, ambiguous: set[str]) -> str:
    """How the CSV files name a workout: its title, or its id when another workout has that title."""
    return _id_of(workout) if workout.title in ambiguous else workout.title


# --- truth --------------------------------------------------------------------------------------------

def _modality_weights(document: dict) -> np.ndarray:
    """Share of the workout's movements in each modality (by count of distinct movements)."""
    catalog = catalog_movements()
    counts = np.zeros(len(MODALITIES))
    for item in walk_movements(document.get("blocks", [])):
        counts[MODALITIES.index(FAMILIES[catalog[item["movement"]].family][1])] += 1
    return counts / counts.sum() if counts.sum() else np.full(len(MODALITIES), 1 / len(MODALITIES))


def _minutes(f: dict) -> float:
    """The workout's estimated minutes, bounded by its cap (10 when wodcraft has no estimate)."""
    return max(1.0, bounded_by_cap(f["est_minutes"], f["cap_minutes"]) if not math.isnan(f["est_minutes"]) else 10.0)


def _difficulty_from_features(f: dict) -> float:
    minutes = _minutes(f)
    ratio = min(f["load_ratio_max"] or 1.0, 2.5)
    return (-0.20 + 0.15 * math.log(minutes / 10) + 0.40 * (ratio - 1) + 0.12 * (f["skill_top2"] - 2.5)
            + 0.20 * f["share_gymnastics"] - 0.15 * f["share_cardio"] + 0.02 * f["vest_kg"])


def _nonlinear_terms(f: dict) -> float:
    """What a linear model of the features cannot say: long heavy work compounds, skill bites past a
    threshold, a gymnastics-heavy sprint is harder than its parts."""
    minutes = _minutes(f)
    ratio = min(f["load_ratio_max"] or 1.0, 2.5)
    return (0.10 * math.log(minutes / 10) ** 2 + 0.25 * max(0.0, ratio - 1.3) ** 2
            + 0.08 * max(0.0, f["skill_top2"] - 3.5) + 0.15 * f["share_gymnastics"] * (minutes < 6))


def _difficulty_draws(config: SimulationConfig, workout: Workout, rng: np.random.Generator,
                      extra: np.random.Generator) -> tuple[np.random.Generator, np.random.Generator]:
    """The generators a workout's true difficulty is drawn from: the box's, or the world's (world_seed)."""
    if config.world_seed is None:
        return rng, extra
    key = int.from_bytes(hashlib.sha256(workout.key.encode()).digest()[:8], "big")
    world = np.random.Generator(np.random.PCG64([config.world_seed, key]))
    return world, world


def true_difficulty(document: dict, rng: np.random.Generator, extra: np.random.Generator | None = None,
                    departures: Departures = SCENARIOS["default"]) -> tuple[float, float]:
    """(Rx difficulty, scaled difficulty) on the log-pace scale; see the module docstring.

    `extra` draws what the scenario adds (a larger hidden effect), so the default draws stay as they were."""
    residual = rng.normal(0, 0.08)  # what no feature explains, shared by both levels of the workout
    if extra is not None and departures.hidden_sd > 0.08:
        residual += extra.normal(0, math.sqrt(departures.hidden_sd**2 - 0.08**2))
    rx_features = features(document)
    rx = _difficulty_from_features(rx_features) + residual + departures.nonlinear * _nonlinear_terms(rx_features)
    scaled_document = level_document(document, resolved_versions(document), "SCALED")
    scaled_features = features(scaled_document)
    scaled = (_difficulty_from_features(scaled_features) + residual - 0.10 + rng.normal(0, 0.04)
              + departures.nonlinear * _nonlinear_terms(scaled_features))
    return rx, scaled


def on_own_standard(document: dict, difficulty: float, track: str) -> float:
    """A true item difficulty restated against the item's own standard. Results are drawn against the Rx
    standard S_rx; wodlab.difficulty.observed measures a scaled item against its scaled version's S_s, so
    the same times read d + ln(S_rx / S_s) (for work or a load: d + ln(S_s / S_rx))."""
    if track == "RX":
        return difficulty
    rx = standard_performance(item_version(document))
    scaled = standard_performance(item_version(level_document(document, resolved_versions(document), track)))
    if not rx or not scaled:
        return difficulty
    ratio = math.log(rx / scaled)
    return difficulty + (ratio if Scoring.of(document).kind == "time" else -ratio)


def _against_the_average_athlete(items: list[dict], levels: dict[str, list[float]]) -> list[dict]:
    """The items' true difficulties as the fit defines difficulty: 0 is met by the box's average athlete (the
    mean of the athletes' true levels, m), not by an athlete of ability 0. y = s (a - m) - (d - s m): each
    item's d - s m, with s its true spread (1 unless the scenario makes spread grow with duration)."""
    average = float(np.mean([np.mean(v) for v in levels.values()])) if levels else 0.0
    return [{**item, "difficulty": round(item["difficulty"] - item["spread"] * average, 6)} for item in items]


def make_athletes(config: SimulationConfig, rng: np.random.Generator, departures: Departures = SCENARIOS["default"],
                  extra: np.random.Generator | None = None) -> list[dict]:
    general = rng.normal(0, 0.25, config.athletes)
    cutoff = np.quantile(general, 0.45)
    widen = math.sqrt(max(departures.modality_sd**2 - 0.12**2, 0.0))  # specialists: modalities further apart
    athletes = []
    for i in range(config.athletes):
        gender = "F" if rng.random() < 0.5 else "M"
        birth_year = int(1965 + rng.integers(0, 40))  # the draws in the order they always were
        ability = {m: float(general[i] + rng.normal(0, 0.12)) for m in MODALITIES}
        if extra is not None and widen:
            ability = {m: a + float(extra.normal(0, widen)) for m, a in ability.items()}
        athletes.append({
            "external_id": f"ath{i + 1:05d}",
            "name": f"{FIRST_NAMES[gender][i % 12]} {LAST_NAMES[(i // 12) % len(LAST_NAMES)]}",  # unique below 240
            "gender": gender,
            "birth_year": birth_year,
            "general": float(general[i]),
            "ability": ability,
            "progression": float(rng.normal(0.10, 0.05)),
            "preferred_track": "RX" if general[i] >= cutoff else "SCALED",
            # edge per ln(minutes / 10): > 0 better the longer the workout
            "duration_edge": float(extra.normal(0, departures.specialist_sd)) if extra is not None and departures.specialist_sd else 0.0,
        })
    return athletes


def make_calendar(workouts: list[Workout], config: SimulationConfig, rng: np.random.Generator) -> list[tuple[dt.date, Workout]]:
    """One workout a class day; benchmarks come back every few weeks; every planted text appears."""
    by_key = {w.key: w for w in workouts}
    days = [START + dt.timedelta(weeks=w, days=d) for w in range(config.weeks) for d in CLASS_DAYS]
    plan: dict[int, Workout] = {}
    for k, key in enumerate(BENCHMARKS):  # every ~4 weeks, staggered by three class days
        for slot in range(3 * k, len(days), 19):
            plan[slot] = by_key[key]
    others = [w for w in workouts if w.key not in BENCHMARKS]
    free = [slot for slot in range(len(days)) if slot not in plan]
    planted = [w for w in others if w.planted]
    rest = [w for w in others if not w.planted]
    order = rng.permutation(len(rest))
    draws = planted + [rest[i] for i in order] * (1 + len(free) // max(1, len(rest)))
    positions = rng.permutation(len(free))
    for position, workout in zip(positions, draws):
        plan[free[position]] = workout
    return [(days[slot], plan[slot]) for slot in sorted(plan)]


# --- scores -------------------------------------------------------------------------------------------

def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _clock(seconds: float) -> str:
    """A time as a coach writes it, to the second."""
    return format_clock(Decimal(int(round(seconds))))


def _style(rng: np.random.Generator, choices: tuple[str, ...]) -> str:
    return choices[int(rng.integers(0, len(choices)))]


def perform(workout: Workout, y: float, category: str, per_round: int, fatigue: float = 1.0) -> dict:
    """The true outcome of a performance y against a workout: what the athlete did.

    per_round: units of work in one AMRAP round as the athlete's category does it. fatigue: at a cap,
    the share of the work done is (cap / time at the athlete's pace)^fatigue (1: a constant pace)."""
    scoring = workout.scoring
    standard = standard_performance(workout.document, category)
    if scoring.kind == "time":
        seconds = standard * math.exp(-y)
        cap = scoring.cap_seconds
        if cap and scoring.capped_scores_reps and not scoring.total_reps:
            # An open ladder ("3-6-9 ..."): nobody finishes; the reps done at the cap grow with the pace.
            one_pass = counted_work(workout.document.get("blocks", []), rep_distances(workout.document))
            return {"status": "capped", "reps": max(1, int(one_pass * (cap / seconds) ** fatigue)), "seconds": cap}
        if cap and seconds > cap and scoring.capped_scores_reps:
            done = int(scoring.total_reps * (cap / seconds) ** fatigue)
            return {"status": "capped", "reps": min(done, int(scoring.total_reps) - 1), "seconds": cap}
        return {"status": "finished", "seconds": max(30.0, seconds)}
    if scoring.kind == "rounds+reps":
        total = int(standard * math.exp(y))
        return {"status": "finished", "rounds": total // per_round, "reps": total % per_round, "total": total}
    kilos = standard * math.exp(y)
    return {"status": "finished", "kg": round(kilos)}


def write_score(outcome: dict, workout: Workout, rng: np.random.Generator) -> str:
    """The outcome as a coach would write it, in one of several notations."""
    if outcome["status"] == "dnf":
        return _style(rng, ("DNF", "dnf", "did not finish"))
    if outcome["status"] == "dns":
        return "DNS"
    if outcome["status"] == "capped":
        return _style(rng, ("CAP+{r}", "cap {r}", "TC + {r} reps", "CAP + {r}")).format(r=outcome["reps"])
    if "seconds" in outcome:
        return _clock(outcome["seconds"])
    if "rounds" in outcome:
        return _style(rng, ("{a}+{b}", "{a} + {b}", "{a} rds {b}", "{a} rounds + {b} reps")).format(a=outcome["rounds"], b=outcome["reps"])
    if workout.scoring.load_unit == "lb" or rng.random() < 0.3:
        return f"{int(round(outcome['kg'] / 0.45359237 / 5) * 5)} lb"
    return _style(rng, ("{k} kg", "{k}kg")).format(k=outcome["kg"])


def gross_error(text: str, outcome: dict, workout: Workout, rng: np.random.Generator) -> str | None:
    """A slip of the pen that still reads as a valid score of this workout, or None if none fits."""
    scoring = workout.scoring
    if "seconds" in outcome and outcome["status"] == "finished":
        seconds = outcome["seconds"]
        options = [seconds + 600, seconds - 180, seconds * 2]
        if scoring.cap_seconds:
            options = [s for s in options if 30 < s < scoring.cap_seconds]
        options = [s for s in options if s > 30]
        return _clock(options[int(rng.integers(0, len(options)))]) if options else None
    if "rounds" in outcome:
        return f"{outcome['rounds'] + 10}+{outcome['reps']}"
    if "kg" in outcome:  # the unit swapped: the number stays, the meaning changes
        number, unit = re.match(r"(\d+)\s*(kg|lb)", text).groups()
        return f"{number} {'kg' if unit == 'lb' else 'lb'}"
    return None


# --- live events ----------------------------------------------------------------------------------------

_UNIT_OF_KIND = {"reps": "reps", "calories": "cal", "distance": "m"}


def _sets(blocks: list[dict]) -> list[tuple[str, float, str]]:
    """The movement sets of a resolved body (one AMRAP round), as (movement, amount, unit)."""
    return [(s.movement, s.amount, _UNIT_OF_KIND[s.kind]) for s in movement_sets(blocks)]


class _Resolved:
    """Resolved versions of each workout (level x category), computed once."""

    def __init__(self):
        self._cache: dict[tuple[str, str, str], list] = {}

    def sets(self, workout: Workout, track: str, category: str) -> list[tuple[str, float, str]]:
        key = (workout.key, track, category)
        if key not in self._cache:
            versions = resolved_versions(workout.document)
            level = "scaled" if track == "SCALED" and "scaled" in versions else "rx"
            self._cache[key] = _sets(versions[level][category].get("blocks", []))
        return self._cache[key]


def _events(sets: list, amount: float, window: float) -> list[tuple[int, str, float, str]]:
    """Events (offset, movement, quantity, unit) doing `amount` units of `sets` (cycled) evenly in `window` s."""
    out, done, k = [], 0.0, 0
    while done < amount - 1e-9 and sets:
        movement, quantity, unit = sets[k % len(sets)]
        step = min(quantity, amount - done)
        done += step
        out.append((int(window * done / amount), movement, step, unit))
        k += 1
    return out


def events_for(outcome: dict, sets: list, workout: Workout) -> list[tuple[int, str, float, str]]:
    total = sum(q for _, q, _ in sets)
    if outcome["status"] == "finished" and "seconds" in outcome:
        return _events(sets, total, outcome["seconds"])
    if outcome["status"] == "capped":
        return _events(sets, outcome["reps"], outcome["seconds"])
    if "total" in outcome:
        clock = (workout.document.get("estimate") or {}).get("min_s", 600)
        return _events(sets, outcome["total"], clock * 0.995)
    return []


# --- the box ---------------------------------------------------------------------------------------------

def simulate(config: SimulationConfig = SimulationConfig()) -> Box:
    rng = np.random.Generator(np.random.PCG64(config.seed))
    scenario = departures(config)
    extra = np.random.Generator(np.random.PCG64([config.seed, 1]))  # the departures' own draws
    gross_error_rate = config.gross_error_rate if scenario.gross_error_rate is None else scenario.gross_error_rate
    workouts, duplicates = build_workouts(config.extra_wods)
    athletes = make_athletes(config, rng, scenario, extra)
    difficulty = {w.key: true_difficulty(w.document, *_difficulty_draws(config, w, rng, extra), scenario)
                  for w in workouts}
    minutes = {w.key: _minutes(features(w.document)) for w in workouts}
    walks = {a["external_id"]: np.concatenate([[0.0], np.cumsum(extra.normal(0, scenario.progression_walk, config.weeks))])
             for a in athletes} if scenario.progression_walk else {}
    mean_rx = float(np.mean([rx for rx, _ in difficulty.values()]))
    calendar = make_calendar(workouts, config, rng)
    titles = [w.title for w in workouts]
    ambiguous = {t for t in titles if titles.count(t) > 1}
    resolved = _Resolved()
    sessions, results, events, errors, items = [], [], [], [], {}
    levels: dict[str, list[float]] = {}  # each athlete's true level on each workout they came to
    tracked_from = START + dt.timedelta(weeks=config.weeks - config.tracked_weeks)
    for date, workout in calendar:
        week = (date - START).days / 7
        d_rx, d_scaled = difficulty[workout.key]
        weights = _modality_weights(workout.document)
        spread = (minutes[workout.key] / 10) ** scenario.spread_power
        noise_scale = 1.0 if scenario.noise_by_modality is None else float(weights @ np.array(scenario.noise_by_modality)) / config.noise
        for track, d in (("RX", d_rx), ("SCALED", d_scaled)):
            sessions.append({"wod": wod_reference(workout, ambiguous), "session_date": date.isoformat(), "session_time": "18:00",
                             "track": track, "location": LOCATION})
            item = f"{wod_reference(workout, ambiguous)}|{track}"
            if item not in items:  # a workout programmed again is the same item (its standard re-estimated once)
                items[item] = {
                    "wod": workout.title, "reference": wod_reference(workout, ambiguous), "wod_id": _id_of(workout),
                    "track": track, "difficulty": on_own_standard(workout.document, d, track), "spread": round(spread, 6),
                    "kind": workout.scoring.kind}
        for athlete in athletes:
            ability = float(weights @ np.array([athlete["ability"][m] for m in MODALITIES]))
            ability += athlete["progression"] * week / 16
            ability += athlete["duration_edge"] * math.log(minutes[workout.key] / 10)
            ability += walks[athlete["external_id"]][int(week)] if walks else 0.0
            saturday = 10 * athlete["general"] if date.weekday() == 5 else 0.0  # the competition team's day
            if rng.random() >= _sigmoid(0.25 + 12 * athlete["general"] * (d_rx - mean_rx) + saturday):
                continue
            if athlete["preferred_track"] == "RX":
                track = "SCALED" if rng.random() < _sigmoid(6 * (d_rx - ability - 0.3)) else "RX"
            else:
                track = "RX" if rng.random() < _sigmoid(4 * (ability - d_rx - 0.6)) else "SCALED"
            d = d_rx if track == "RX" else d_scaled
            levels.setdefault(athlete["external_id"], []).append(ability)
            y = spread * ability - d + rng.normal(0, config.noise) * noise_scale
            if scenario.sandbagging and extra.random() < scenario.sandbagging:
                y -= abs(extra.normal(0, 0.3))  # an easy day: not the athlete's level
            if (scenario.bad_days_unlogged and y < spread * ability - d - config.noise * noise_scale
                    and extra.random() < scenario.bad_days_unlogged):
                continue  # a bad day nobody writes down: missing, and not at random
            category = "women" if athlete["gender"] == "F" else "men"
            sets = resolved.sets(workout, track, category)
            per_round = int(sum(q for _, q, _ in sets)) or 1
            if rng.random() < 0.003:
                outcome = {"status": "dns"}
            elif (workout.scoring.kind == "time" and not workout.scoring.cap_seconds
                  and rng.random() < _sigmoid(-6 + 4 * (d - ability))):
                outcome = {"status": "dnf"}
            elif (scenario.dnf_when_too_hard and workout.scoring.cap_seconds
                  and extra.random() < _sigmoid(-5 + 4 * (d - spread * ability))):
                outcome = {"status": "dnf"}  # far above the athlete: they stop before the cap
            else:
                outcome = perform(workout, y, category, per_round, scenario.cap_fatigue)
            text = write_score(outcome, workout, rng)
            true_text = text
            if rng.random() < gross_error_rate and (slip := gross_error(text, outcome, workout, rng)):
                text = slip
                errors.append({"athlete": athlete["external_id"], "wod": wod_reference(workout, ambiguous),
                               "wod_id": _id_of(workout), "session_date": date.isoformat(),
                               "track": track, "written": text, "true": true_text})
            if track == "RX" and rng.random() < 0.15:
                text += " Rx"
            results.append({"wod": wod_reference(workout, ambiguous), "session_date": date.isoformat(), "session_time": "18:00",
                            "track": track, "location": LOCATION, "athlete": athlete["external_id"], "score": text,
                            "recorded_at": f"{date.isoformat()}T19:00:00+00:00"})
            if date >= tracked_from and workout.scoring.kind in ("time", "rounds+reps"):
                for offset, movement, quantity, unit in events_for(outcome, sets, workout):
                    events.append({"wod": wod_reference(workout, ambiguous), "session_date": date.isoformat(), "session_time": "18:00",
                                   "track": track, "location": LOCATION, "athlete": athlete["external_id"],
                                   "timestamp_offset": offset, "movement": movement,
                                   "quantity_completed": f"{quantity:g}", "quantity_unit": unit})
    truth = {
        "config": asdict(config),
        "departures": asdict(scenario),
        # "level": the athlete's true level averaged over the workouts they came to (their modalities, their
        # progression and edge on those days): what a fitted ability estimates, where "general" is the latent
        # trait those depart from
        "athletes": {a["external_id"]: {**{k: a[k] for k in ("gender", "general", "ability", "progression",
                                                                "preferred_track", "duration_edge")},
                                        "level": round(float(np.mean(levels[a["external_id"]])), 6)
                                        if a["external_id"] in levels else None}
                     for a in athletes},
        "items": _against_the_average_athlete([items[k] for k in sorted(items)], levels),
        "duplicates": duplicates,
        "gross_errors": errors,
    }
    public = [{k: a[k] for k in ("external_id", "name", "gender", "birth_year")} for a in athletes]
    return Box(config, workouts, public, sessions, results, events, truth)


# --- files ------------------------------------------------------------------------------------------------

def _csv(rows: list[dict], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _rounded(value):
    """Floats rounded for a stable, readable truth.json."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def write_box(box: Box, out: Path) -> list[Path]:
    """athletes.csv, sessions.csv, results.csv, events.csv, truth.json and wods/*.wod (every workout
    that is not in wodcraft's library: the planted twins and the extra files' workouts)."""
    out = Path(out)
    (out / "wods").mkdir(parents=True, exist_ok=True)
    written = []
    for workout in box.workouts:
        if not workout.from_library:
            slug = re.sub(r"[^a-z0-9]+", "_", workout.key.split(":", 1)[1].lower()).strip("_")
            path = out / "wods" / f"{slug}.wod"
            path.write_text(workout.source, encoding="utf-8")
            written.append(path)
    files = {
        "athletes.csv": _csv(box.athletes, ["external_id", "name", "gender", "birth_year"]),
        "sessions.csv": _csv(box.sessions, ["wod", "session_date", "session_time", "track", "location"]),
        "results.csv": _csv(box.results, ["wod", "session_date", "session_time", "track", "location", "athlete", "score",
                                          "recorded_at"]),
        "events.csv": _csv(box.events, ["wod", "session_date", "session_time", "track", "location", "athlete",
                                        "timestamp_offset", "movement", "quantity_completed", "quantity_unit"]),
        "truth.json": json.dumps(_rounded(box.truth), indent=1, sort_keys=True, ensure_ascii=False) + "\n",
    }
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    return written
