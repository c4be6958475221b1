"""Tracks, levels and categories: which version of a workout an athlete did, stated once.

A session's track (RX, SCALED, INTERMEDIATE) names the level of the workout done there; wodcraft
resolves a workout for each level it defines (Rx always) and each category (men, women). A track
whose level the workout does not define is done as written: Rx.
"""

from __future__ import annotations

from wodcraft.profile import Profile
from wodcraft.semantics.resolve import resolve

TRACKS = ("RX", "SCALED", "INTERMEDIATE")  # scheduled_sessions.track
TRACK_LEVELS = {"RX": "rx", "SCALED": "scaled", "INTERMEDIATE": "intermediate"}
CATEGORIES = ("men", "women")


def gender_category(gender: str | None) -> str:
    """wodcraft's category of an athlete: women for F, men otherwise (the men's values are the written ones)."""
    return "women" if gender == "F" else "men"


def level_of(track: str | None, versions: dict | None) -> str:
    """The level a track is done at: its own where the workout defines it, else Rx (no track: Rx)."""
    level = TRACK_LEVELS.get((track or "RX").upper(), "rx")
    return level if versions and level in versions else "rx"


def resolved_versions(document: dict) -> dict:
    """The document resolved by wodcraft for each level x category, in kg: a workout's stored versions.

    Keyed level -> category, e.g. versions['scaled']['women']. Levels are Rx plus those the workout defines.
    """
    levels = ["rx", *(document.get("levels") or {})]
    return {
        level: {cat: resolve(document, Profile(category=cat, level=level, units="kg")) for cat in CATEGORIES}
        for level in levels
    }


def level_document(document: dict, versions: dict | None, track: str | None) -> dict:
    """The version an item is done in: Rx as written, another track as wodcraft resolves its level (men)."""
    level = level_of(track, versions)
    if level == "rx":
        return document
    return versions[level]["men"]


def athlete_version(versions: dict, track: str, gender: str | None) -> dict:
    """The version one athlete did: their track's level and their category."""
    return versions[level_of(track, versions)][gender_category(gender)]
