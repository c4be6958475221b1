"""What a simulated box is drawn from: its size and seed, and the scenarios by which real boxes depart from the model."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
    # How athletes choose in real boxes: a scaled class only where the workout writes a scaled version; the
    # share of athletes who prefer the scaled track; the track choice's sharpness (times its slope: large,
    # those who cannot do the Rx work go scaled, near-deterministically); the weight of a day that looks too
    # hard (its difficulty above the athlete's level) in staying home
    scaled_only_written: bool = False
    scaled_share: float = 0.45
    track_choice_sharpness: float = 1.0
    stay_home_when_hard: float = 0.0
    # share of the class days given to capped for-time workouts most athletes do not finish (Open 18.4, 20.1, 24.1)
    capped_programming: float = 0.0


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
    "rare-scaled": Departures(scaled_only_written=True, scaled_share=0.10),
    "track-choice": Departures(track_choice_sharpness=5.0, stay_home_when_hard=4.0),
    "mostly-capped": Departures(capped_programming=0.15, cap_fatigue=0.7),
    "realistic": Departures(spread_power=0.4, progression_walk=0.03, specialist_sd=0.15, modality_sd=0.25,
                            noise_by_modality=(0.10, 0.20, 0.08), sandbagging=0.10, bad_days_unlogged=0.5,
                            cap_fatigue=0.7, dnf_when_too_hard=True, hidden_sd=0.20, nonlinear=1.0,
                            gross_error_rate=0.05, scaled_only_written=True, scaled_share=0.10,
                            track_choice_sharpness=5.0, stay_home_when_hard=4.0, capped_programming=0.15),
}


def departures(config: SimulationConfig) -> Departures:
    if config.scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {config.scenario!r}; choose one of {', '.join(SCENARIOS)}")
    return SCENARIOS[config.scenario]
