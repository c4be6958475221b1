"""movement_catalog: every wodcraft movement, with wodlab's reviewed enrichment."""

from __future__ import annotations

import json

import sqlalchemy as sa
from wodcraft.catalog import load_catalog

from wodlab.workouts.catalog import enrichment, family_of, family_vocabulary, muscle_vocabulary


def test_every_wodcraft_movement_has_enrichment_and_nothing_else_does():
    wodcraft_ids = set(load_catalog().movements)
    enriched = set(enrichment())
    assert wodcraft_ids - enriched == set(), "wodcraft movements without a line in movement_enrichment.toml"
    assert enriched - wodcraft_ids == set(), "enrichment lines for movements wodcraft does not know"


def test_enrichment_values_are_in_range_and_from_the_vocabulary():
    vocabulary = set(muscle_vocabulary())
    for movement, extra in enrichment().items():
        assert 1 <= extra["complexity"] <= 5, movement
        assert extra["muscles"], movement
        assert set(extra["muscles"]) <= vocabulary, (movement, set(extra["muscles"]) - vocabulary)
        assert extra["family"] in family_vocabulary(), movement


def test_every_family_is_used_and_the_monostructural_ones_are_named_by_what_they_are():
    assert {family_of(m) for m in enrichment()} == set(family_vocabulary())
    assert family_of("deadlift") == family_of("kettlebell_swing") == "hinge"
    assert family_of("thruster") == family_of("wall_ball") == "squat"
    assert (family_of("run"), family_of("row"), family_of("double_under")) == ("run", "row", "jump_rope")


def test_the_catalog_table_holds_every_movement_with_its_wodcraft_data(lab):
    catalog = load_catalog()
    with lab.engine.connect() as conn:
        rows = {r.canonical_name: r for r in conn.execute(sa.text("SELECT * FROM movement_catalog"))}
    assert set(rows) == set(catalog.movements)
    thruster = rows["thruster"]
    assert thruster.display_name == "Thruster"
    assert thruster.category == "weightlifting" and thruster.modality == "strength"
    assert thruster.equipment_required == ["barbell"]
    assert thruster.default_loads == {"men": 43, "women": 30, "unit": "kg"}
    assert thruster.complexity_level == enrichment()["thruster"]["complexity"]
    pull_up = rows["pull_up"]
    assert {"pullup", "traction"} <= set(pull_up.aliases)  # English and French
    assert "traction" in pull_up.aliases_fr
    assert rows["run"].category == "cardio" and rows["push_up"].equipment_required == []
    for movement in catalog.movements.values():
        row = rows[movement.id]
        assert row.default_loads == (json.loads(json.dumps(movement.rx)) if movement.rx else None)
        assert set(movement.aliases) <= set(row.aliases)


def test_alias_lookup_uses_the_gin_index_shape_of_the_seed(lab):
    found = lab.sql("SELECT canonical_name FROM movement_catalog WHERE aliases @> ARRAY['t2b'] ORDER BY 1")
    assert found["canonical_name"].tolist() == ["toes_to_bar"]
