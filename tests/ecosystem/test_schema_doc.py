"""docs/schema.md: every table and foreign key of the built schema, and an access matrix
that agrees with what the database actually lets each role do."""

from __future__ import annotations

import re
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import sql

from schemactl.build.builder import Build
from schemactl.catalog.access import Access, AccessKind, MatrixRow, access_matrix
from schemactl.catalog.reader import COMMANDS, Catalog, Column, Relation
from schemactl.generate.erd import entity
from schemactl.generate.schema_doc import access_cell, managed_schemas, render_schema_doc
from schemactl.testing import acting_as, user_claims
from tests.support.factories import Crm

# --- every table, every foreign key (from an independent catalog query) -----------------


def test_every_table_of_the_built_schema_has_an_entity_and_a_section(
    db: psycopg.Connection, schema_build: Build, catalog: Catalog
) -> None:
    tables = db.execute(
        "select n.nspname, c.relname from pg_class c "
        "join pg_namespace n on n.oid = c.relnamespace "
        "where c.relkind in ('r', 'p') and not c.relispartition and n.nspname = any(%s) "
        "order by 1, 2",
        [list(managed_schemas(schema_build))],
    ).fetchall()
    doc = render_schema_doc(catalog, schema_build)

    assert tables, "the schema has tables"
    for schema, name in tables:
        assert f"\n    {entity(schema, name)} {{\n" in doc, f"{schema}.{name} in the diagram"
        assert f"\n### {schema}.{name}\n" in doc, f"{schema}.{name} has a section"
    sections = re.findall(
        r"^### (\S+)$", doc.split("\n## Tables\n")[1].split("\n## Views\n")[0], flags=re.MULTILINE
    )
    assert sections == [f"{schema}.{name}" for schema, name in tables]


def test_every_foreign_key_has_one_relationship_line_and_a_constraint_row(
    db: psycopg.Connection, schema_build: Build, catalog: Catalog
) -> None:
    foreign_keys = db.execute(
        "select con.conname, n.nspname, c.relname, rn.nspname, rc.relname, "
        "  array(select a.attname::text from unnest(con.conkey) with ordinality k(num, ord) "
        "        join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.num "
        "        order by k.ord) "
        "from pg_constraint con "
        "join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace "
        "join pg_class rc on rc.oid = con.confrelid "
        "join pg_namespace rn on rn.oid = rc.relnamespace "
        "where con.contype = 'f' and n.nspname = any(%s)",
        [list(managed_schemas(schema_build))],
    ).fetchall()
    doc = render_schema_doc(catalog, schema_build)
    diagram = doc.split("```mermaid\n")[1].split("```")[0]
    relationship_lines = [line for line in diagram.splitlines() if " : " in line]

    assert foreign_keys, "the schema has foreign keys"
    assert len(relationship_lines) == len(foreign_keys)
    for name, schema, table, ref_schema, ref_table, columns in foreign_keys:
        pattern = re.compile(
            rf"^    {re.escape(entity(ref_schema, ref_table))} (\|\||\|o)(--|\.\.)(o\{{|o\|) "
            rf"{re.escape(entity(schema, table))} : \"{re.escape(', '.join(columns))}\"$"
        )
        assert sum(bool(pattern.match(line)) for line in relationship_lines) == 1, name
        assert f"| `{name}` | foreign key | `FOREIGN KEY " in doc, name


def test_tables_outside_the_documented_schemas_that_foreign_keys_name_are_entities(
    schema_build: Build, catalog: Catalog
) -> None:
    doc = render_schema_doc(catalog, schema_build)
    external = sorted(
        {fk.ref_qualified for r in catalog.tables for fk in r.foreign_keys}
        - {r.qualified for r in catalog.tables}
    )

    assert external == ["auth.users"]
    assert '\n    "auth.users"\n' in doc
    assert '\n    "auth.users" ||--o| users : "id"\n' in doc


# --- the access matrix against the database's own behaviour -----------------------------


@dataclass(frozen=True)
class Persona:
    label: str
    role: str
    claims: dict[str, object]

    def request(self, db: psycopg.Connection) -> AbstractContextManager[psycopg.Connection]:
        return acting_as(db, self.role, self.claims)


def personas(crm: Crm) -> list[Persona]:
    """People of every kind, and a world of rows they own, so that policies have rows to
    tell apart."""
    team = crm.team()
    admin = crm.user("admin", team=team)
    manager = crm.user("manager", team=team)
    seller = crm.user("seller", team=team)
    lonely = crm.user("seller")
    inactive = crm.user("seller", team=team, active=False)
    pipeline = crm.pipeline()
    own_org, other_org = crm.organization(seller), crm.organization(lonely)
    contact = crm.contact(seller)
    crm.link(own_org, contact, is_primary=True)
    own_deal = crm.deal(seller, pipeline, organization_id=own_org)
    crm.deal(lonely, pipeline, organization_id=other_org, stage=1)
    crm.deal(manager, pipeline, stage=2)
    crm.deal_product(own_deal, crm.product())
    crm.task(seller, deal_id=own_deal)
    crm.task(lonely, created_by=admin)
    crm.api_key(seller, ["read:deals"])
    crm.api_key(lonely, ["write:deals"])
    return [
        Persona("anon", "anon", {"role": "anon"}),
        Persona("service_role", "service_role", {"role": "service_role"}),
        Persona("admin", "authenticated", user_claims(admin)),
        Persona("manager", "authenticated", user_claims(manager)),
        Persona("seller", "authenticated", user_claims(seller)),
        Persona("seller without team", "authenticated", user_claims(lonely)),
        Persona("inactive seller", "authenticated", user_claims(inactive)),
        Persona("jwt without profile", "authenticated", user_claims(uuid.uuid4())),
        Persona(
            "seller's api key read:deals",
            "authenticated",
            user_claims(seller, api_key_id=str(uuid.uuid4()), api_scopes=["read:deals"]),
        ),
    ]


def _count(db: psycopg.Connection, relation: Relation, where: str | None = None) -> int:
    query = sql.SQL("select count(*) from {}").format(
        sql.Identifier(relation.schema, relation.name)
    )
    if where:
        query += sql.SQL(" where ") + sql.SQL(where)  # type: ignore[arg-type]
    row = db.execute(query).fetchone()
    assert row is not None
    return int(row[0])


def _policy_filter(relation: Relation, cell: Access, command: str) -> str:
    """The rows the policies the matrix names let through: permissive USING OR-ed,
    restrictive USING AND-ed."""
    policies = {p.name: p for p in relation.policies}
    permissive = " or ".join(f"({policies[n].using_expression})" for n in cell.permissive)
    restrictive = [f"({policies[n].using_expression})" for n in cell.restrictive]
    assert all(policies[n].covers(command) for n in (*cell.permissive, *cell.restrictive))
    return " and ".join([f"({permissive or 'false'})", *restrictive])


def _visible_through_policies(
    db: psycopg.Connection, persona: Persona, relation: Relation, cell: Access
) -> int:
    """What the matrix says the persona reads: the relation's rows that pass the
    policies it names, counted as the persona with the relation's own RLS switched off
    (so every other table the expressions read stays under RLS, as in the real query)."""
    if cell.kind == AccessKind.NO_POLICY:
        return 0
    with db.transaction(force_rollback=True):
        db.execute(
            sql.SQL("alter table {} disable row level security").format(
                sql.Identifier(relation.schema, relation.name)
            )
        )
        with persona.request(db):
            return _count(db, relation, _policy_filter(relation, cell, "SELECT"))


def _expected_rows(
    db: psycopg.Connection, persona: Persona, relation: Relation, cell: Access, total: int
) -> int:
    if cell.kind in (AccessKind.POLICIES, AccessKind.NO_POLICY):
        return _visible_through_policies(db, persona, relation, cell)
    if cell.kind == AccessKind.INVOKER_VIEW:
        with persona.request(db):
            row = db.execute(
                sql.SQL("select count(*) from ({}) as v").format(
                    sql.SQL(relation.definition.rstrip().rstrip(";"))
                )
            ).fetchone()  # type: ignore
        assert row is not None
        return int(row[0])
    if cell.kind == AccessKind.DEFINER_VIEW:
        with db.transaction(force_rollback=True), acting_as(db, relation.owner):
            return _count(db, relation)
    assert cell.kind.every_row, cell
    return total


@pytest.mark.grant_modes
def test_select_cells_agree_with_the_rows_each_role_reads(
    db: psycopg.Connection, crm: Crm, catalog: Catalog
) -> None:
    people = personas(crm)
    cells = {(row.relation.qualified, row.role): row.cells for row in access_matrix(catalog)}
    compared = []
    for relation in catalog.relations:
        total = _count(db, relation)
        for persona in people:
            cell = cells[(relation.qualified, persona.role)]["SELECT"]
            if cell.kind.denied:
                with pytest.raises(psycopg.errors.InsufficientPrivilege), persona.request(db):
                    _count(db, relation)
                continue
            expected = _expected_rows(db, persona, relation, cell, total)
            with persona.request(db):
                actual = _count(db, relation)
            assert actual == expected, (relation.qualified, persona.label, cell)
            compared.append((relation.qualified, persona.label, actual, total))

    assert {label for _, label, _, _ in compared} >= {"service_role", "admin", "seller"}
    assert any(0 < actual < total for _, _, actual, total in compared), (
        "some role reads some but not all rows of some table"
    )


def _usable(columns: list[Column]) -> Column | None:
    """A column a test statement can name (not a generated one)."""
    return next((c for c in columns if c.generated is None), None)


def _explain(command: str, relation: Relation, column: Column) -> sql.Composed:
    target = sql.Identifier(relation.schema, relation.name)
    name = sql.Identifier(column.name)
    return {
        "SELECT": sql.SQL("explain select {} from {}").format(name, target),
        "INSERT": sql.SQL("explain insert into {} ({}) values (default)").format(target, name),
        "UPDATE": sql.SQL("explain update {} set {} = default").format(target, name),
        "DELETE": sql.SQL("explain delete from {}").format(target),
    }[command]


NOT_WRITABLE_ERRORS = (
    psycopg.errors.ObjectNotInPrerequisiteState,
    psycopg.errors.WrongObjectType,
    psycopg.errors.FeatureNotSupported,
)


@pytest.mark.grant_modes
def test_every_cell_agrees_with_the_privilege_checks_of_its_statement(
    db: psycopg.Connection, catalog: Catalog
) -> None:
    checked = 0
    for row in access_matrix(catalog):
        claims: dict[str, object] = {"role": row.role}
        for command in COMMANDS:
            cell = row.cells[command]
            granted = [
                c for c in row.relation.columns if cell.columns is None or c.name in cell.columns
            ]
            column = _usable(granted) or _usable(list(row.relation.columns))
            assert column is not None
            statement = _explain(command, row.relation, column)
            if cell.kind in (AccessKind.NO_SCHEMA_USAGE, AccessKind.NO_GRANT):
                with (
                    pytest.raises(psycopg.errors.InsufficientPrivilege),
                    acting_as(db, row.role, claims),
                ):
                    db.execute(statement)
            elif cell.kind == AccessKind.NOT_WRITABLE:
                with pytest.raises(NOT_WRITABLE_ERRORS), acting_as(db, row.role, claims):
                    db.execute(statement)
            else:
                with acting_as(db, row.role, claims):
                    db.execute(statement)
                withheld = _usable([c for c in row.relation.columns if c.name in cell.withheld])
                if withheld is not None:
                    with (
                        pytest.raises(psycopg.errors.InsufficientPrivilege),
                        acting_as(db, row.role, claims),
                    ):
                        db.execute(_explain(command, row.relation, withheld))
            checked += 1

    assert checked == len(catalog.relations) * 3 * len(COMMANDS)


@pytest.mark.grant_modes
def test_the_document_shows_each_cell_of_the_matrix(schema_build: Build, catalog: Catalog) -> None:
    doc = render_schema_doc(catalog, schema_build)
    rows: list[MatrixRow] = access_matrix(catalog)

    assert len(rows) == len(catalog.relations) * 3
    for row in rows:
        name = row.relation.qualified
        line = (
            f"| [{name}](#{name.replace('.', '')}) | {row.role} | "
            + " | ".join(access_cell(row.cells[c]) for c in COMMANDS)
            + " |"
        )
        assert f"\n{line}\n" in doc
