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
  are drawn against the Rx standard, so every item's difficulty in truth.json is on the Rx scale, as
  wodlab.difficulty.observed reports it; it is stated against the box's average athlete, as the fit
  defines difficulty: d - s m, with m the mean of the athletes' true levels and s the item's true
  spread (against_the_average_athlete);
- the biases of real boxes: attendance P = sigmoid(0.25 + 12 g_i (d_j - mean d) + s_i) so strong
  athletes come more for hard workouts, and Saturday is the competition team's day (s_i = 10 g_i on
  Saturdays, 0 otherwise); an RX athlete scales when the workout is above them
  (P = sigmoid(6 (d_j - a_i - 0.3))), a scaled athlete tries Rx on easy days
  (P = sigmoid(4 (a_i - d_j - 0.6))); a for-time workout without cap is a DNF with
  P = sigmoid(-6 + 4 (d_j - a_i)); 0.3% of athletes register and do not start (DNS); the scenario's
  departures (wodlab.sim.config.Departures) change these the way real boxes do: a scaled class only
  where the workout writes a scaled version, a tenth of the athletes preferring it, the track choice
  k times sharper (those who cannot do the Rx work go scaled), athletes staying home on a day whose
  easier class is far above them (P = sigmoid(2 - w (d - a_i))), a share of the days given to
  capped workouts most athletes do not finish;
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
import io
import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from wodlab.sim.config import (
    BENCHMARKS,
    CLASS_DAYS,
    FIRST_NAMES,
    LAST_NAMES,
    LOCATION,
    MODALITIES,
    SCENARIOS,
    START,
    Departures,
    SimulationConfig,
    departures,
)
from wodlab.sim.performance import ResolvedSets, events_for, gross_error, perform, sigmoid, write_score
from wodlab.sim.truth import (
    against_the_average_athlete,
    difficulty_draws,
    modality_weights,
    true_difficulty,
    typical_minutes,
)
from wodlab.sim.workouts import Workout, build_workouts, mostly_capped, wod_reference, workout_id
from wodlab.workouts.features import features
from wodlab.workouts.levels import gender_category


@dataclass
class Box:
    config: SimulationConfig
    workouts: list[Workout]
    athletes: list[dict]
    sessions: list[dict]
    results: list[dict]
    events: list[dict]
    truth: dict = field(default_factory=dict)


def make_athletes(config: SimulationConfig, rng: np.random.Generator, departures: Departures = SCENARIOS["default"],
                  extra: np.random.Generator | None = None) -> list[dict]:
    general = rng.normal(0, 0.25, config.athletes)
    cutoff = np.quantile(general, departures.scaled_share)
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
            "preferred_track": "RX" if general[i] >= cutoff else "SCALED",  # the scenario's share scaled
            # edge per ln(minutes / 10): > 0 better the longer the workout
            "duration_edge": float(extra.normal(0, departures.specialist_sd)) if extra is not None and departures.specialist_sd else 0.0,
        })
    return athletes


def make_calendar(workouts: list[Workout], config: SimulationConfig, rng: np.random.Generator,
                  departures: Departures = SCENARIOS["default"],
                  extra: np.random.Generator | None = None) -> list[tuple[dt.date, Workout]]:
    """One workout a class day; benchmarks come back every few weeks; every planted text appears; under
    departures.capped_programming a share of the other days go to capped workouts most athletes do not finish."""
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
    capped = [w for w in rest if mostly_capped(w)]
    if departures.capped_programming and capped and extra is not None:
        for slot in free:
            if extra.random() < departures.capped_programming:
                plan[slot] = capped[int(extra.integers(0, len(capped)))]
    return [(days[slot], plan[slot]) for slot in sorted(plan)]



# --- the box ---------------------------------------------------------------------------------------------

@dataclass
class _World:
    """What every class of a simulated box shares: the draws made before the first class."""

    config: SimulationConfig
    scenario: Departures
    rng: np.random.Generator
    extra: np.random.Generator  # the departures' own draws
    athletes: list[dict]
    difficulty: dict[str, tuple[float, float]]  # (Rx, scaled) by workout key
    minutes: dict[str, float]
    walks: dict[str, np.ndarray]
    mean_rx: float
    ambiguous: set[str]
    gross_error_rate: float
    resolved: ResolvedSets = field(default_factory=ResolvedSets)


@dataclass
class _Written:
    """What the classes write, in the order they happen."""

    sessions: list[dict] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    items: dict[str, dict] = field(default_factory=dict)
    levels: dict[str, list[float]] = field(default_factory=dict)  # each athlete's true level on each workout they came to


def simulate(config: SimulationConfig | None = None) -> Box:
    config = config or SimulationConfig()
    rng = np.random.Generator(np.random.PCG64(config.seed))
    scenario = departures(config)
    extra = np.random.Generator(np.random.PCG64([config.seed, 1]))
    workouts, duplicates = build_workouts(config.extra_wods)
    world = _world(config, scenario, rng, extra, workouts)
    calendar = make_calendar(workouts, config, rng, scenario, extra)
    written = _Written()
    tracked_from = START + dt.timedelta(weeks=config.weeks - config.tracked_weeks)
    for date, workout in calendar:
        _a_class(world, written, date, workout, tracked=date >= tracked_from)
    truth = _truth(world, written, duplicates)
    public = [{k: a[k] for k in ("external_id", "name", "gender", "birth_year")} for a in world.athletes]
    return Box(config, workouts, public, written.sessions, written.results, written.events, truth)


def _world(config: SimulationConfig, scenario: Departures, rng: np.random.Generator, extra: np.random.Generator,
           workouts: list[Workout]) -> _World:
    gross_error_rate = config.gross_error_rate if scenario.gross_error_rate is None else scenario.gross_error_rate
    athletes = make_athletes(config, rng, scenario, extra)
    difficulty = {w.key: true_difficulty(w.document, *difficulty_draws(config, w, rng, extra), scenario)
                  for w in workouts}
    minutes = {w.key: typical_minutes(features(w.document)) for w in workouts}
    walks = {a["external_id"]: np.concatenate([[0.0], np.cumsum(extra.normal(0, scenario.progression_walk, config.weeks))])
             for a in athletes} if scenario.progression_walk else {}
    titles = [w.title for w in workouts]
    return _World(config, scenario, rng, extra, athletes, difficulty, minutes, walks,
                  mean_rx=float(np.mean([rx for rx, _ in difficulty.values()])),
                  ambiguous={t for t in titles if titles.count(t) > 1}, gross_error_rate=gross_error_rate)


@dataclass(frozen=True)
class _Class:
    """One class: what every athlete who comes shares, worked out once."""

    date: dt.date
    workout: Workout
    reference: str  # how the files name the workout
    weights: np.ndarray  # its share of work in each modality
    spread: float  # how far it separates athletes
    noise_scale: float
    tracked: bool  # live events recorded
    tracks: tuple[str, ...] = ("RX", "SCALED")  # the sessions held


def _a_class(world: _World, written: _Written, date: dt.date, workout: Workout, tracked: bool) -> None:
    """One class: its two sessions (Rx and scaled), then each athlete who comes, in the athletes' order."""
    scenario, weights = world.scenario, modality_weights(workout.document)
    noise_scale = 1.0 if scenario.noise_by_modality is None else \
        float(weights @ np.array(scenario.noise_by_modality)) / world.config.noise
    scaled_held = not scenario.scaled_only_written or "scaled" in (workout.document.get("levels") or {})
    one = _Class(date, workout, wod_reference(workout, world.ambiguous), weights,
                 (world.minutes[workout.key] / 10) ** scenario.spread_power, noise_scale, tracked,
                 ("RX", "SCALED") if scaled_held else ("RX",))
    for track, d in zip(one.tracks, world.difficulty[workout.key]):
        written.sessions.append({"wod": one.reference, "session_date": date.isoformat(), "session_time": "18:00",
                                 "track": track, "location": LOCATION})
        item = f"{one.reference}|{track}"
        if item not in written.items:  # a workout programmed again is the same item (its standard re-estimated once)
            written.items[item] = {
                "wod": workout.title, "reference": one.reference, "wod_id": workout_id(workout),
                "track": track, "difficulty": d, "spread": round(one.spread, 6),
                "kind": workout.scoring.kind}
    for athlete in world.athletes:
        _an_athlete(world, written, one, athlete)


def _ability_on(world: _World, athlete: dict, one: _Class) -> float:
    week = (one.date - START).days / 7
    ability = float(one.weights @ np.array([athlete["ability"][m] for m in MODALITIES]))
    ability += athlete["progression"] * week / 16
    ability += athlete["duration_edge"] * math.log(world.minutes[one.workout.key] / 10)
    ability += world.walks[athlete["external_id"]][int(week)] if world.walks else 0.0
    return ability


def _an_athlete(world: _World, written: _Written, one: _Class, athlete: dict) -> None:
    """Whether the athlete comes, which track, the result written (maybe with a slip), its live events."""
    config, scenario, rng, extra = world.config, world.scenario, world.rng, world.extra
    date, workout, spread = one.date, one.workout, one.spread
    d_rx, d_scaled = world.difficulty[workout.key]
    ability = _ability_on(world, athlete, one)
    saturday = 10 * athlete["general"] if date.weekday() == 5 else 0.0  # the competition team's day
    if rng.random() >= sigmoid(0.25 + 12 * athlete["general"] * (d_rx - world.mean_rx) + saturday):
        return
    sharp = scenario.track_choice_sharpness
    if athlete["preferred_track"] == "RX":
        track = "SCALED" if rng.random() < sigmoid(6 * sharp * (d_rx - ability - 0.3)) else "RX"
    else:
        track = "RX" if rng.random() < sigmoid(4 * sharp * (ability - d_rx - 0.6)) else "SCALED"
    if track not in one.tracks:  # no scaled class: the workout as written, or home
        track = "RX"
    if scenario.stay_home_when_hard:  # a day that looks too hard for them: home (the easier class's difficulty)
        easiest = d_rx if "SCALED" not in one.tracks else min(d_rx, d_scaled)
        if extra.random() >= sigmoid(2.0 - scenario.stay_home_when_hard * (easiest - ability)):
            return
    d = d_rx if track == "RX" else d_scaled
    written.levels.setdefault(athlete["external_id"], []).append(ability)
    y = spread * ability - d + rng.normal(0, config.noise) * one.noise_scale
    if scenario.sandbagging and extra.random() < scenario.sandbagging:
        y -= abs(extra.normal(0, 0.3))  # an easy day: not the athlete's level
    if (scenario.bad_days_unlogged and y < spread * ability - d - config.noise * one.noise_scale
            and extra.random() < scenario.bad_days_unlogged):
        return  # a bad day nobody writes down: missing, and not at random
    category = gender_category(athlete["gender"])
    sets = world.resolved.sets(workout, track, category)
    outcome = _outcome(world, workout, y, d, ability, spread, category, sets)
    text = write_score(outcome, workout, rng)
    where = {"wod": one.reference, "session_date": date.isoformat(), "session_time": "18:00", "track": track,
             "location": LOCATION, "athlete": athlete["external_id"]}
    true_text = text
    if rng.random() < world.gross_error_rate and (slip := gross_error(text, outcome, workout, rng)):
        text = slip
        written.errors.append({"athlete": athlete["external_id"], "wod": one.reference, "wod_id": workout_id(workout),
                               "session_date": date.isoformat(), "track": track, "written": text, "true": true_text})
    if track == "RX" and rng.random() < 0.15:
        text += " Rx"
    written.results.append({**where, "score": text, "recorded_at": f"{date.isoformat()}T19:00:00+00:00"})
    if one.tracked and workout.scoring.kind in ("time", "rounds+reps"):
        for offset, movement, quantity, unit in events_for(outcome, sets, workout):
            written.events.append({**where, "timestamp_offset": offset, "movement": movement,
                                   "quantity_completed": f"{quantity:g}", "quantity_unit": unit})


def _outcome(world: _World, workout: Workout, y: float, d: float, ability: float, spread: float, category: str,
             sets: list) -> dict:
    """Did not start, did not finish, or a performance y turned into a finish, a capped count or a score."""
    rng, extra, scenario = world.rng, world.extra, world.scenario
    per_round = int(sum(q for _, q, _ in sets)) or 1
    if rng.random() < 0.003:
        return {"status": "dns"}
    if (workout.scoring.kind == "time" and not workout.scoring.cap_seconds
            and rng.random() < sigmoid(-6 + 4 * (d - ability))):
        return {"status": "dnf"}
    if (scenario.dnf_when_too_hard and workout.scoring.cap_seconds
            and extra.random() < sigmoid(-5 + 4 * (d - spread * ability))):
        return {"status": "dnf"}  # far above the athlete: they stop before the cap
    return perform(workout, y, category, per_round, scenario.cap_fatigue)


def _truth(world: _World, written: _Written, duplicates: list) -> dict:
    levels = written.levels
    return {
        "config": asdict(world.config),
        "departures": asdict(world.scenario),
        # "level": the athlete's true level averaged over the workouts they came to (their modalities, their
        # progression and edge on those days): what a fitted ability estimates, where "general" is the latent
        # trait those depart from
        "athletes": {a["external_id"]: {**{k: a[k] for k in ("gender", "general", "ability", "progression",
                                                                "preferred_track", "duration_edge")},
                                        "level": round(float(np.mean(levels[a["external_id"]])), 6)
                                        if a["external_id"] in levels else None}
                     for a in world.athletes},
        "items": against_the_average_athlete([written.items[k] for k in sorted(written.items)], levels),
        "duplicates": duplicates,
        "gross_errors": written.errors,
    }


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
