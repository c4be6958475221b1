"""The checks every Lab verb puts its arguments through, so that one mistake gets one error everywhere.

Each function returns the value as the layer below takes it, or raises QueryError saying what the
argument expects: vocabularies in any case (tracks, genders, forms, categories, equipment,
modalities), pairs, counts and the choices of a verb. Names of stored rows (workouts, athletes,
sessions, competitions) are resolved by wodlab.store.names, on the connection of the verb.
"""

from __future__ import annotations

from wodlab.core.errors import QueryError
from wodlab.core.hints import did_you_mean
from wodlab.workouts.catalog import FAMILIES, catalog_movements
from wodlab.workouts.levels import TRACKS
from wodlab.workouts.structure import block_forms

GENDERS = ("M", "F")
CATEGORIES = sorted({category for category, _ in FAMILIES.values()})
MODALITIES = sorted({modality for _, modality in FAMILIES.values()})


def equipment() -> list[str]:
    return sorted({m.equipment for m in catalog_movements().values()} - {"bodyweight"})


def pair(name: str, value) -> tuple:
    """A (low, high) pair, either end None; None is (None, None)."""
    if value is None:
        return None, None
    try:
        low, high = value
    except (TypeError, ValueError):
        raise QueryError(f"{name} expects a (low, high) pair, either end may be None; got {value!r}") from None
    return low, high


def listed(value) -> list[str] | None:
    """A list of names: one name as a string is accepted and wrapped."""
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def choice(what: str, value, known) -> str:
    """One of `known`, exactly as given; QueryError listing them otherwise."""
    if value not in known:
        raise QueryError(f"unknown {what} {value!r}: use one of {', '.join(known)}")
    return value


def known(what: str, value: str | None, vocabulary: list[str]) -> str | None:
    """A value from a vocabulary, any case; QueryError with the closest ones otherwise."""
    if value is None:
        return None
    lowered = str(value).strip().lower()
    if lowered in vocabulary:
        return lowered
    raise QueryError(f"unknown {what} {value!r}{did_you_mean(lowered, vocabulary, list_known=True)}")


def known_all(what: str, value, vocabulary: list[str]) -> list[str] | None:
    names = listed(value)
    return None if names is None else [known(what, name, vocabulary) for name in names]


def form(value: str | None) -> str | None:
    return known("form", value, block_forms())


def category(value: str | None) -> str | None:
    return known("category", value, CATEGORIES)


def equipment_list(value) -> list[str] | None:
    return known_all("equipment", value, equipment())


def modalities(value) -> list[str] | None:
    return known_all("modality", value, MODALITIES)


def _upper(value: str | None, allowed: tuple[str, ...], refusal: str) -> str | None:
    """A code of `allowed` in any case, as stored (upper case); None stays None (no filter)."""
    if value is None:
        return None
    upper = str(value).strip().upper()
    if upper not in allowed:
        raise QueryError(refusal.format(value=value))
    return upper


def track(value: str | None) -> str | None:
    """A track in any case, as stored (RX, SCALED, INTERMEDIATE); None means every track."""
    return _upper(value, TRACKS, "unknown track {value!r}; tracks are " + ", ".join(TRACKS) + " (any case)")


def tracks(value) -> list[str] | None:
    """One track or several, any case; None means every track."""
    names = listed(value)
    return None if names is None else [track(name) for name in names]


def gender(value: str | None) -> str | None:
    """M or F in any case; None means everyone."""
    return _upper(value, GENDERS, "unknown gender {value!r}; use M or F (any case), or None for everyone")


def count(name: str, value) -> int:
    """A whole number >= 0 (bools refused: True is no count)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise QueryError(f"{name} expects a whole number >= 0; got {value!r}")
    return value


def optional_count(name: str, value) -> int | None:
    return None if value is None else count(name, value)
