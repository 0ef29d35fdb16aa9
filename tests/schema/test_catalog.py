"""Project-wide rules read from the catalog: every table is documented, every function
pins its search_path (docs/design.md: The CRM data model, Triggers and functions)."""

from __future__ import annotations

SCHEMAS = ("public", "private", "reporting")


def test_every_table_and_schema_has_a_comment(db):
    rows = db.execute(
        """
        select c.oid::regclass::text
        from pg_class c
        where c.relkind in ('r', 'p', 'v', 'm')
            and c.relnamespace::regnamespace::text = any(%s)
            and obj_description(c.oid, 'pg_class') is null
        union all
        select n from unnest(array['private', 'reporting']) as n
        where obj_description(n::regnamespace, 'pg_namespace') is null
        """,
        [list(SCHEMAS)],
    ).fetchall()
    assert rows == []


def test_every_function_pins_search_path_to_pg_catalog_then_pg_temp(db):
    rows = db.execute(
        """
        select p.oid::regprocedure::text
        from pg_proc p
        where p.pronamespace::regnamespace::text = any(%s)
            and not 'search_path=pg_catalog, pg_temp' = any(coalesce(p.proconfig, '{}'))
        """,
        [list(SCHEMAS)],
    ).fetchall()
    assert rows == []


def test_schema_functions_of_the_tables_are_documented(db):
    rows = db.execute(
        """
        select f, obj_description(f::regprocedure, 'pg_proc') is not null
        from unnest(%s::text[]) as f
        """,
        [
            [
                "public.is_valid_cnpj(text)",
                "public.normalize_cnpj(text)",
                "public.is_valid_contact_list(jsonb)",
                "public.handle_new_user()",
                "public.handle_user_email_change()",
                "public.organizations_normalize_cnpj()",
            ]
        ],
    ).fetchall()
    assert [f for f, documented in rows if not documented] == []


def test_money_is_numeric_14_2_and_time_has_a_zone(db):
    rows = db.execute(
        """
        select c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod)
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        where c.relkind = 'r' and c.relnamespace::regnamespace::text = any(%s)
            and a.attnum > 0 and not a.attisdropped
            and (format_type(a.atttypid, a.atttypmod) in (
                    'timestamp without time zone', 'money', 'real', 'double precision')
                 or a.attname in ('value', 'total_revenue', 'base_price', 'unit_price',
                                  'total'))
        order by 1
        """,
        [list(SCHEMAS)],
    ).fetchall()
    assert rows == [
        ("deal_products.total", "numeric(14,2)"),
        ("deal_products.unit_price", "numeric(14,2)"),
        ("deals.value", "numeric(14,2)"),
        ("organizations.total_revenue", "numeric"),
        ("products.base_price", "numeric(14,2)"),
    ]
