"""The generators on a small project, asserted exactly, through the CLI: docs, types,
seed-sql, generate, and their `--check` mode."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import CliResult

Cli = Callable[..., CliResult]


def block(text: str, indent: int = 0) -> str:
    return textwrap.indent(textwrap.dedent(text).lstrip("\n"), " " * indent)


@pytest.fixture
def shop_docs(shop: Path, cli: Cli, scratch_url: str) -> str:
    result = cli(["--project", str(shop), "docs", "--dev-url", scratch_url])
    assert (result.exit_code, result.stdout) == (0, "docs/schema.md: written\n"), result.stderr
    return (shop / "docs" / "schema.md").read_text()


@pytest.fixture
def shop_types(shop: Path, cli: Cli, scratch_url: str) -> str:
    result = cli(["--project", str(shop), "types", "--dev-url", scratch_url])
    assert (result.exit_code, result.stdout) == (0, "types/database.types.ts: written\n"), (
        result.stderr
    )
    return (shop / "types" / "database.types.ts").read_text()


def test_diagram_has_entities_with_keys_and_relationships_by_cardinality(shop_docs: str) -> None:
    assert (
        block("""
        ```mermaid
        erDiagram
            "private.secrets" {
                int4 id PK
                text value
            }
            customers {
                int8 id PK
                text email UK
                text tier
                text note
            }
            order_notes {
                uuid order_id PK, FK
                text body
            }
            orders {
                uuid id PK
                int8 customer_id FK
                int4 quantity
                numeric price
                numeric total
                text[] tags
            }
            orders ||--o| order_notes : "order_id"
            customers ||..o{ orders : "customer_id"
        ```
    """)
        in shop_docs
    )


def test_matrix_reads_grants_before_policies(shop_docs: str) -> None:
    assert (
        block("""
        | [public.customers](#publiccustomers) | anon | — | — | — | — |
        | [public.customers](#publiccustomers) | authenticated | `customers_select` | — | none (RLS, no policy); only note | — |
        | [public.customers](#publiccustomers) | service_role | — | — | — | — |
        | [public.order_notes](#publicorder_notes) | anon | all rows (RLS disabled) | all rows (RLS disabled) | all rows (RLS disabled) | all rows (RLS disabled) |
    """)
        in shop_docs
    )
    assert (
        block("""
        | [public.orders](#publicorders) | anon | none (RLS, no policy) | none (RLS, no policy) | none (RLS, no policy) | none (RLS, no policy) |
        | [public.orders](#publicorders) | authenticated | none (RLS, no policy) | none (RLS, no policy) | none (RLS, no policy) | none (RLS, no policy) |
        | [public.orders](#publicorders) | service_role | all rows (bypasses RLS) | all rows (bypasses RLS) | all rows (bypasses RLS) | all rows (bypasses RLS) |
    """)
        in shop_docs
    )
    assert (
        "| [private.secrets](#privatesecrets) | service_role | — (no schema USAGE) | "
        "— (no schema USAGE) | — (no schema USAGE) | — (no schema USAGE) |\n"
    ) in shop_docs
    assert (
        "| [public.big_orders](#publicbig_orders) | anon | as the underlying tables allow "
        "(security_invoker) |"
    ) in shop_docs


def test_policies_are_listed_with_their_expressions(shop_docs: str) -> None:
    assert (
        block("""
        | table | policy | command | to | kind | using | with check |
        |---|---|---|---|---|---|---|
        | `public.customers` | `customers_select` | SELECT | authenticated | permissive | `email = (( SELECT auth.email() AS email))` |  |
    """)
        in shop_docs
    )


def test_function_access_shows_execute_per_role(shop_docs: str) -> None:
    assert (
        block("""
        | `public.order_count(p_customer bigint, p_since date)` | `integer` | invoker, stable, `search_path=pg_catalog, pg_temp` | yes | yes | yes |
        | `public.recent_orders(p_limit integer)` | `SETOF public.orders` | invoker, stable, `search_path=pg_catalog, pg_temp` | yes | yes | yes |
    """)
        in shop_docs
    )


def test_table_section_has_columns_constraints_indexes_and_escaped_comments(shop_docs: str) -> None:
    assert (
        block("""
        ### public.customers

        People who buy.

        table · defined in [schema/tables/customers.sql](../schema/tables/customers.sql) · RLS enabled · replica identity default · [access](#access-matrix)

        | column | type | nullable | default | description |
        |---|---|---|---|---|
        | `id` | `bigint` | no | identity always |  |
        | `email` | `text` | no |  | Login e-mail \\| unique. |
        | `tier` | `text` | no | `'basic'::text` |  |
        | `note` | `text` | yes |  |  |

        | constraint | kind | definition |
        |---|---|---|
        | `customers_email_key` | unique | `UNIQUE (email)` |
        | `customers_pkey` | primary key | `PRIMARY KEY (id)` |
        | `customers_tier_check` | check | `CHECK (tier = ANY (ARRAY['basic'::text, 'gold'::text]))` |

        | index | definition |
        |---|---|
        | `customers_email_key` | `unique btree (email)` |
        | `customers_pkey` | `unique btree (id)` |
    """)
        in shop_docs
    )
    assert (
        "| `total` | `numeric` | yes | `generated always as (((quantity)::numeric * price)) "
        "stored` |  |\n"
    ) in shop_docs


def test_types_follow_supabase_gen_types_shape(shop_types: str) -> None:
    assert shop_types.startswith(
        block("""
        export type Json =
          | string
          | number
          | boolean
          | null
          | { [key: string]: Json | undefined }
          | Json[]

        export type Database = {
          public: {
            Tables: {
              customers: {
                Row: {
                  email: string
                  id: number
                  note: string | null
                  tier: Database["public"]["Enums"]["customers_tier"]
                }
                Insert: {
                  email: string
                  id?: never
                  note?: string | null
                  tier?: Database["public"]["Enums"]["customers_tier"]
                }
                Update: {
                  email?: string
                  id?: never
                  note?: string | null
                  tier?: Database["public"]["Enums"]["customers_tier"]
                }
                Relationships: []
              }
              order_notes: {
    """)
    )
    # order_notes.order_id references orders.id, which big_orders exposes as its id: the
    # relationship holds through the view too (as PostgREST and postgres-meta see it).
    assert (
        block(
            """
                Relationships: [
                  {
                    foreignKeyName: "order_notes_order_id_fkey"
                    columns: ["order_id"]
                    isOneToOne: true
                    referencedRelation: "big_orders"
                    referencedColumns: ["id"]
                  },
                  {
                    foreignKeyName: "order_notes_order_id_fkey"
                    columns: ["order_id"]
                    isOneToOne: true
                    referencedRelation: "orders"
                    referencedColumns: ["id"]
                  },
                ]
    """,
            indent=8,
        )
        in shop_types
    )
    assert (
        block(
            """
                Insert: {
                  customer_id: number
                  id?: string
                  price: number
                  quantity: number
                  tags?: string[] | null
                  total?: never
                }
    """,
            indent=8,
        )
        in shop_types
    )


def test_types_have_views_functions_enums_and_constants(shop_types: str) -> None:
    assert (
        block("""
            Views: {
              big_orders: {
                Row: {
                  customer_id: number | null
                  id: string | null
                  quantity: number | null
                }
                Insert: {
                  customer_id?: number | null
                  id?: string | null
                  quantity?: number | null
                }
                Update: {
                  customer_id?: number | null
                  id?: string | null
                  quantity?: number | null
                }
                Relationships: [
                  {
                    foreignKeyName: "orders_customer_id_fkey"
                    columns: ["customer_id"]
                    isOneToOne: false
                    referencedRelation: "customers"
                    referencedColumns: ["id"]
                  },
                ]
              }
            }
            Functions: {
              order_count: {
                Args: { p_customer: number; p_since?: string }
                Returns: number
              }
              recent_orders: {
                Args: { p_limit: number }
                Returns: {
                  customer_id: number
                  id: string
                  price: number
                  quantity: number
                  tags: string[] | null
                  total: number | null
                }[]
              }
            }
            Enums: {
              customers_tier: "basic" | "gold"
            }
            CompositeTypes: {
              [_ in never]: never
            }
          }
        }
    """)
        in shop_types
    )
    assert "secrets" not in shop_types  # private is not exposed
    assert shop_types.endswith(
        block("""
        export const Constants = {
          public: {
            Enums: {
              customers_tier: ["basic", "gold"],
            },
          },
        } as const
    """)
    )


def test_seed_sql_concatenates_seeds_and_terminates_the_last_statement(
    shop: Path, cli: Cli
) -> None:
    result = cli(["--project", str(shop), "seed-sql"])

    assert (result.exit_code, result.stdout) == (0, "supabase/seed.sql: written\n")
    assert (shop / "supabase" / "seed.sql").read_text() == block("""
        -- Generated by `schemactl seed-sql` from seeds/. Do not edit: change seeds/ and run
        -- `schemactl seed-sql`. The Supabase CLI runs it after the migrations on
        -- `supabase db reset`; every seed is idempotent.

        -- seeds/010_customers.sql
        -- Two customers.
        insert into public.customers (email) values ('a@shop.test'), ('b@shop.test')
        on conflict (email) do nothing;
    """)


def test_check_passes_when_current_and_fails_with_a_diff_when_stale(
    shop: Path, cli: Cli, scratch_url: str
) -> None:
    project = ["--project", str(shop)]
    assert cli([*project, "docs", "--dev-url", scratch_url]).exit_code == 0

    current = cli([*project, "docs", "--check", "--dev-url", scratch_url])
    assert (current.exit_code, current.stdout) == (0, "docs/schema.md: up to date\n")

    doc = shop / "docs" / "schema.md"
    doc.write_text(doc.read_text().replace("People who buy.", "People who sell."))
    stale = cli([*project, "docs", "--check", "--dev-url", scratch_url])
    assert stale.exit_code == 1
    assert "-People who sell.\n+People who buy.\n" in stale.stdout
    assert stale.stderr == (
        "error: docs/schema.md is out of date (run `schemactl docs` and commit the result)\n"
    )
    assert "People who sell." in doc.read_text(), "--check writes nothing"

    doc.unlink()
    missing = cli([*project, "docs", "--check", "--dev-url", scratch_url])
    assert (missing.exit_code, missing.stderr) == (
        1,
        "error: docs/schema.md is missing (run `schemactl docs` and commit the result)\n",
    )
    assert not doc.exists()


def test_generate_writes_every_file_then_checks_them(
    shop: Path, cli: Cli, scratch_url: str
) -> None:
    project = ["--project", str(shop)]
    written = cli([*project, "generate", "--dev-url", scratch_url])
    assert written.exit_code == 0, written.stderr
    for path in (
        "docs/schema.md",
        "types/database.types.ts",
        "supabase/seed.sql",
        "docs/commands.md",
    ):
        assert (shop / path).is_file(), path
        assert f"│ {path}" in written.stdout

    checked = cli([*project, "generate", "--check", "--dev-url", scratch_url])
    assert checked.exit_code == 0
    assert checked.stdout.count("up to date") == 4

    (shop / "types" / "database.types.ts").write_text("export {}\n")
    stale = cli([*project, "generate", "--check", "--dev-url", scratch_url])
    assert stale.exit_code == 1
    assert stale.stderr == (
        "error: types/database.types.ts is out of date (run "
        "`schemactl types` and commit the result)\n"
    )


def test_output_option_writes_elsewhere_with_links_relative_to_it(
    shop: Path, cli: Cli, scratch_url: str
) -> None:
    result = cli(
        [
            "--project",
            str(shop),
            "docs",
            "-o",
            str(shop / "site" / "db" / "x.md"),
            "--dev-url",
            scratch_url,
        ]
    )

    assert (result.exit_code, result.stdout) == (0, "site/db/x.md: written\n")
    text = (shop / "site" / "db" / "x.md").read_text()
    assert "[schema/tables/orders.sql](../../schema/tables/orders.sql)" in text


def test_docs_of_a_broken_schema_name_the_file_and_line(
    shop: Path, cli: Cli, scratch_url: str
) -> None:
    (shop / "schema" / "tables" / "orders.sql").write_text(
        "create table public.orders (\n    id uuid primary key,\n    n no_such_type\n);\n"
    )
    result = cli(["--project", str(shop), "docs", "--dev-url", scratch_url])

    assert result.exit_code == 2
    assert result.stderr.startswith(
        'error: schema/tables/orders.sql:1:1: type "no_such_type" does not exist [42704]'
    )
    assert not (shop / "docs" / "schema.md").exists()
