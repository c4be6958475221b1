"""movement_catalog rows: wodcraft's movement catalog plus wodlab's enrichment data."""

from __future__ import annotations

import json
import tomllib
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from wodcraft.catalog import Movement, load_catalog

from wodlab.core.ids import stable_id
from wodlab.core.resources import data_file

ENRICHMENT_FILE = "movement_enrichment.toml"

# wodcraft's family letter -> the seed's category and modality vocabularies.
FAMILIES = {
    "W": ("weightlifting", "strength"),
    "G": ("gymnastics", "gymnastics"),
    "M": ("cardio", "cardio"),
}


@lru_cache(maxsize=1)
def _enrichment_file() -> dict:
    return tomllib.loads(data_file(ENRICHMENT_FILE).read_text(encoding="utf-8"))


def enrichment() -> dict[str, dict]:
    """movement id -> {"muscles": [...], "complexity": 1..5, "family": ...}, from the reviewed data file."""
    return _enrichment_file()["movements"]


def muscle_vocabulary() -> list[str]:
    return list(_enrichment_file()["muscle_vocabulary"])


def family_vocabulary() -> list[str]:
    """Movement families (squat, hinge, run...), in the data file's order: what programming is balanced by."""
    return list(_enrichment_file()["family_vocabulary"])


def family_of(movement_id: str) -> str:
    """The reviewed family of a catalog movement (KeyError for an id the catalog lacks)."""
    return enrichment()[movement_id]["family"]


def catalog_movements() -> dict[str, Movement]:
    return load_catalog().movements


def resolve_movement(name: str) -> str:
    """A catalog id from an id or any English/French name; ValueError with suggestions otherwise."""
    catalog = load_catalog()
    if name in catalog.movements:
        return name
    found = catalog.get(name)
    if found is None:
        hint = catalog.suggest(name)
        raise ValueError(f"unknown movement {name!r}" + (f"; did you mean {' or '.join(hint)}?" if hint else ""))
    return found.id


def movement_row(movement: Movement) -> dict:
    extra = enrichment().get(movement.id)
    if extra is None:
        raise KeyError(f"{movement.id!r} has no line in wodlab/data/{ENRICHMENT_FILE}")
    category, modality = FAMILIES[movement.family]
    english = sorted({movement.name.lower(), *movement.aliases})
    french = sorted(set(movement.fr))
    return {
        "id": stable_id("movement", movement.id),
        "canonical_name": movement.id,
        "display_name": movement.name,
        "display_name_fr": movement.display_name("fr"),
        "aliases": english + [a for a in french if a not in english],
        "aliases_fr": french,
        "category": category,
        "muscle_groups": list(extra["muscles"]),
        # Bodyweight is the absence of equipment, not a piece of it.
        "equipment_required": [] if movement.equipment == "bodyweight" else [movement.equipment],
        "modality": modality,
        "complexity_level": int(extra["complexity"]),
        "default_loads": json.dumps(movement.rx) if movement.rx else None,
    }


def catalog_rows() -> list[dict]:
    return [movement_row(m) for m in catalog_movements().values()]


_UPSERT = sa.text("""
    INSERT INTO movement_catalog (id, canonical_name, display_name, display_name_fr, aliases, aliases_fr,
        category, muscle_groups, equipment_required, modality, complexity_level, default_loads)
    VALUES (:id, :canonical_name, :display_name, :display_name_fr, :aliases, :aliases_fr,
        :category, :muscle_groups, :equipment_required, :modality, :complexity_level,
        CAST(:default_loads AS JSONB))
    ON CONFLICT (canonical_name) DO UPDATE SET
        display_name = EXCLUDED.display_name, display_name_fr = EXCLUDED.display_name_fr,
        aliases = EXCLUDED.aliases, aliases_fr = EXCLUDED.aliases_fr, category = EXCLUDED.category,
        muscle_groups = EXCLUDED.muscle_groups, equipment_required = EXCLUDED.equipment_required,
        modality = EXCLUDED.modality, complexity_level = EXCLUDED.complexity_level,
        default_loads = EXCLUDED.default_loads
""")


def sync_catalog(conn: Connection) -> int:
    """Write every catalog movement (insert or refresh); return how many rows were written."""
    rows = catalog_rows()
    conn.execute(_UPSERT, rows)
    return len(rows)
