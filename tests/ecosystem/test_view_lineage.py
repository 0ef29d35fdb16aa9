"""Which base column each view column is (from the view's definition), and the
relationships that follow: a view exposing a foreign key's columns takes part in it."""

from __future__ import annotations

from schemactl.catalog.reader import Catalog, Column, Constraint, Relation
from schemactl.catalog.view_lineage import ColumnSource, all_relationships, view_column_sources


def _column(name: str) -> Column:
    return Column(name, 1, "uuid", 2950, True, None, None, "", None, True)


def _table(name: str, columns: list[str], constraints: tuple[Constraint, ...] = ()) -> Relation:
    return Relation(
        "public",
        name,
        "r",
        None,
        True,
        False,
        "postgres",
        "d",
        (),
        (),
        0,
        None,
        columns=tuple(_column(c) for c in columns),
        constraints=constraints,
    )


def _view(name: str, columns: list[str], definition: str) -> Relation:
    return Relation(
        "public",
        name,
        "v",
        None,
        False,
        False,
        "postgres",
        "d",
        (),
        (),
        0,
        definition,
        columns=tuple(_column(c) for c in columns),
    )


PEOPLE = _table(
    "people",
    ["id", "team_id", "boss_id"],
    (
        Constraint("people_pkey", "p", "PRIMARY KEY (id)", ("id",)),
        Constraint("people_team_id_fkey", "f", "", ("team_id",), "public", "teams", ("id",)),
        Constraint("people_boss_id_fkey", "f", "", ("boss_id",), "public", "people", ("id",)),
    ),
)
TEAMS = _table("teams", ["id", "name"], (Constraint("teams_pkey", "p", "", ("id",)),))


def _catalog(*views: Relation) -> Catalog:
    return Catalog(("public",), (), (PEOPLE, TEAMS, *views), (), {})


def test_plain_and_renamed_columns_map_to_their_table_through_aliases() -> None:
    view = _view(
        "staff",
        ["person", "team_id", "name", "twice"],
        (
            "SELECT p.id AS person, p.team_id, t.name, p.id || 'x' AS twice "
            "FROM public.people p JOIN public.teams t ON t.id = p.team_id"
        ),
    )

    assert view_column_sources(_catalog(view), view) == {
        "person": ColumnSource("p", "public", "people", "id"),
        "team_id": ColumnSource("p", "public", "people", "team_id"),
        "name": ColumnSource("t", "public", "teams", "name"),
    }


def test_unqualified_columns_resolve_only_when_one_table_has_them() -> None:
    view = _view(
        "v", ["boss_id", "id"], "SELECT boss_id, id FROM public.people JOIN public.teams ON true"
    )

    assert view_column_sources(_catalog(view), view) == {
        "boss_id": ColumnSource("people", "public", "people", "boss_id")
    }


def test_set_operations_and_ctes_expose_no_column() -> None:
    union = _view("u", ["id"], "SELECT id FROM public.people UNION SELECT id FROM public.teams")
    cte = _view("c", ["id"], "WITH x AS (SELECT id FROM public.people) SELECT id FROM x")

    assert view_column_sources(_catalog(union), union) == {}
    assert view_column_sources(_catalog(cte), cte) == {}


def test_a_view_exposing_both_ends_of_a_foreign_key_relates_both_ways() -> None:
    view = _view(
        "staff", ["person", "team_id"], "SELECT p.id AS person, p.team_id FROM public.people p"
    )
    found = {
        (r.foreign_key_name, r.relation, r.columns, r.referenced_relation, r.referenced_columns)
        for r in all_relationships(_catalog(view))
    }

    assert found == {
        ("people_team_id_fkey", "people", ("team_id",), "teams", ("id",)),
        ("people_boss_id_fkey", "people", ("boss_id",), "people", ("id",)),
        ("people_team_id_fkey", "staff", ("team_id",), "teams", ("id",)),
        ("people_boss_id_fkey", "people", ("boss_id",), "staff", ("person",)),
    }
