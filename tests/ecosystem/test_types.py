"""The TypeScript types: every column of the exposed schema with the right nullability
and optionality (checked against the catalog), and `tsc --strict` accepts them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from schemactl.catalog.reader import Catalog
from schemactl.config import Project
from schemactl.generate.typescript_types import check_enums, render_types

TYPESCRIPT = "typescript@5"
TSC_CACHE = Path(tempfile.gettempdir()) / "schemactl-tsc-cache" / TYPESCRIPT.replace("@", "-")


def members(ts: str, schema: str, section: str, name: str, part: str) -> dict[str, str]:
    """`key -> type` of `Database[schema][section][name][part]` in generated text (a
    member broken over `| …` lines is joined back)."""
    lines = ts.splitlines()
    path = [f"  {schema}: {{", f"    {section}: {{", f"      {name}: {{", f"        {part}: {{"]
    index = 0
    for opener in path:
        index = lines.index(opener, index) + 1
    found: dict[str, str] = {}
    key = ""
    while lines[index] != "        }":
        line = lines[index].strip()
        if line.startswith("| "):
            found[key] = (found[key] + " " + line).strip()
        else:
            key, _, value = line.partition(":")
            found[key] = value.strip()
        index += 1
    return {k: v.removeprefix("| ") for k, v in found.items()}


def _columns(db: psycopg.Connection, schemas: list[str]) -> list[tuple]:
    """(schema, relation, relkind, column, not null, has default, identity, generated,
    is json) straight from pg_attribute."""
    return db.execute(
        "select n.nspname, c.relname, c.relkind::text, a.attname, a.attnotnull, "
        "  a.atthasdef and a.attgenerated = '', a.attidentity::text, a.attgenerated::text, "
        "  format_type(a.atttypid, null) in ('json', 'jsonb') "
        "from pg_attribute a join pg_class c on c.oid = a.attrelid "
        "join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm') "
        "  and a.attnum > 0 and not a.attisdropped "
        "order by 1, 2, a.attnum",
        [schemas],
    ).fetchall()


@pytest.fixture
def types_text(catalog: Catalog, crm_project: Project) -> str:
    return render_types(catalog, crm_project.exposed_schemas)


def test_every_column_has_its_nullability_in_row(
    db: psycopg.Connection, crm_project: Project, types_text: str
) -> None:
    columns = _columns(db, list(crm_project.exposed_schemas))

    assert columns
    for schema, relation, kind, column, not_null, *_ in columns:
        section = "Tables" if kind in ("r", "p") else "Views"
        row = members(types_text, schema, section, relation, "Row")
        nullable = section == "Views" or not not_null
        assert column in row, f"{schema}.{relation}.{column}"
        assert row[column].endswith(" | null") == nullable, (relation, column, row[column])
    tables = {(s, r) for s, r, k, *_ in columns if k in ("r", "p")}
    for schema, relation in tables:
        expected = [c for s, r, _, c, *_ in columns if (s, r) == (schema, relation)]
        assert sorted(members(types_text, schema, "Tables", relation, "Row")) == sorted(expected)


def test_insert_requires_exactly_the_columns_without_default_or_null(
    db: psycopg.Connection, crm_project: Project, types_text: str
) -> None:
    for schema, relation, kind, column, not_null, has_default, identity, generated, _ in _columns(
        db, list(crm_project.exposed_schemas)
    ):
        if kind not in ("r", "p"):
            continue
        insert = members(types_text, schema, "Tables", relation, "Insert")
        update = members(types_text, schema, "Tables", relation, "Update")
        write_only = identity == "a" or generated != ""
        required = not_null and not has_default and not identity and not write_only
        assert (f"{column}?" not in insert) == required, (relation, column)
        if write_only:
            assert insert[f"{column}?"] == update[f"{column}?"] == "never"
        else:
            assert f"{column}?" in update, (relation, column)


def test_check_lists_become_enums(catalog: Catalog, crm_project: Project, types_text: str) -> None:
    enums = check_enums(catalog, crm_project.exposed_schemas)

    assert enums, "the CRM limits some text columns to lists (deals.status, users.role, …)"
    for (schema, relation, column), enum in enums.items():
        row = members(types_text, schema, "Tables", relation, "Row")
        assert row[column].split(" | null")[0] == (f'Database["{schema}"]["Enums"]["{enum.name}"]')
        assert f"      {enum.name}: [{', '.join(json.dumps(v) for v in enum.labels)}]," in (
            types_text
        )


@pytest.fixture(scope="session")
def tsc() -> Path:
    """A `tsc` binary: TypeScript installed once into a cache under the temp directory
    (skipped, with the reason, where Node.js/npm are missing or npm cannot install)."""
    if os.environ.get("SCHEMACTL_SKIP_TSC"):
        pytest.skip("SCHEMACTL_SKIP_TSC is set")
    binary = TSC_CACHE / "node_modules" / ".bin" / "tsc"
    if binary.is_file():
        return binary
    npm, node = shutil.which("npm"), shutil.which("node")
    if not (npm and node):
        pytest.skip("the tsc --strict check needs Node.js and npm on PATH")
    TSC_CACHE.mkdir(parents=True, exist_ok=True)
    try:
        result = subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(TSC_CACHE),
                "--no-audit",
                "--no-fund",
                "--silent",
                TYPESCRIPT,
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.skip(f"npm install {TYPESCRIPT} timed out (no registry access?)")
    if result.returncode != 0 or not binary.is_file():
        reason = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        pytest.skip(f"npm install {TYPESCRIPT} failed: {reason[0]}")
    return binary


def _assertions(db: psycopg.Connection, project: Project, catalog: Catalog) -> str:
    """A TypeScript file that only compiles if every column's nullability and
    optionality is what the catalog says, and if the helper types work."""
    lines = [
        "import type { Database, Enums, Tables, TablesInsert, TablesUpdate } "
        'from "./database.types"',
        "type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends "
        "(<T>() => T extends B ? 1 : 2) ? true : false",
        "type Expect<T extends true> = T",
        "type Nullable<T> = null extends T ? true : false",
        "type Optional<T, K extends keyof T> = {} extends Pick<T, K> ? true : false",
        "export type Checks = [",
    ]
    for (
        schema,
        relation,
        kind,
        column,
        not_null,
        has_default,
        identity,
        generated,
        is_json,
    ) in _columns(db, list(project.exposed_schemas)):
        section = "Tables" if kind in ("r", "p") else "Views"
        base = f"Database[{json.dumps(schema)}][{json.dumps(section)}][{json.dumps(relation)}]"
        key = json.dumps(column)
        nullable = "true" if section == "Views" or not not_null else "false"
        if not is_json:  # Supabase's `Json` includes null: a NOT NULL jsonb is `Json`
            lines.append(f'  Expect<Equal<Nullable<{base}["Row"][{key}]>, {nullable}>>,')
        if section == "Tables" and not (identity == "a" or generated):
            required = not_null and not has_default and not identity
            lines.append(
                f'  Expect<Equal<Optional<{base}["Insert"], {key}>, '
                f"{'false' if required else 'true'}>>,"
            )
            lines.append(f'  Expect<Equal<Optional<{base}["Update"], {key}>, true>>,')
    for (schema, relation, column), enum in check_enums(catalog, project.exposed_schemas).items():
        if schema != "public":
            continue
        union = " | ".join(json.dumps(v) for v in enum.labels)
        nullable = catalog.relation(f"{schema}.{relation}").column(column).nullable
        lines.append(f"  Expect<Equal<Enums<{json.dumps(enum.name)}>, {union}>>,")
        lines.append(
            f"  Expect<Equal<Tables<{json.dumps(relation)}>[{json.dumps(column)}], "
            f"{union}{' | null' if nullable else ''}>>,"
        )
        lines.append(
            f"  Expect<Equal<Exclude<TablesInsert<{json.dumps(relation)}>"
            f"[{json.dumps(column)}], undefined>, "
            f"{union}{' | null' if nullable else ''}>>,"
        )
        lines.append(
            f"  Expect<Equal<Exclude<TablesUpdate<{json.dumps(relation)}>"
            f"[{json.dumps(column)}], undefined>, "
            f"{union}{' | null' if nullable else ''}>>,"
        )
    lines.append("]")
    return "\n".join(lines) + "\n"


TSC_OPTIONS = [
    "--strict",
    "--noEmit",
    "--target",
    "es2022",
    "--lib",
    "es2022",
    "--skipLibCheck",
    "--module",
    "esnext",
    "--moduleResolution",
    "bundler",
]
WRONG_CLAIM = (
    'import type { Tables } from "./database.types"\n'
    "type Expect<T extends true> = T\n"
    'export type Wrong = Expect<null extends Tables<"deals">["closed_at"] ? false : true>\n'
)


def test_types_pass_tsc_strict_and_a_wrong_claim_does_not(
    db: psycopg.Connection,
    crm_project: Project,
    catalog: Catalog,
    types_text: str,
    tsc: Path,
    tmp_path: Path,
) -> None:
    """One compiler run: the types and every assertion about them compile under
    --strict; the one wrong claim (deals.closed_at is nullable) is the only error, so
    the assertions are not vacuous."""
    (tmp_path / "database.types.ts").write_text(types_text)
    (tmp_path / "checks.ts").write_text(_assertions(db, crm_project, catalog))
    (tmp_path / "wrong.ts").write_text(WRONG_CLAIM)
    result = subprocess.run(
        [str(tsc), *TSC_OPTIONS, "database.types.ts", "checks.ts", "wrong.ts"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "wrong.ts(3,28): error TS2344: Type 'false' does not satisfy the constraint 'true'."
    ]
