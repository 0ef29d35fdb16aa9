"""Seeds (docs/design.md: The CRM data model): the reference data, idempotent, and the default pipeline."""

from __future__ import annotations

import psycopg
import pytest

from schemactl import api
from schemactl.pg.databases import apply_statements
from schemactl.source.seeds import seed_statements

from .helpers import insert

SNAPSHOT = """
    select 'sources' as t, xmin::text, to_jsonb(s) as row from public.sources as s
    union all select 'loss_reasons', xmin::text, to_jsonb(l) from public.loss_reasons as l
    union all select 'pipelines', xmin::text, to_jsonb(p) from public.pipelines as p
    union all select 'stages', xmin::text, to_jsonb(s) from public.stages as s
    order by 1, 3
"""


def test_seeded_reference_data(db):
    sources = db.execute("select name from public.sources order by display_order").fetchall()
    assert [s for (s,) in sources] == [
        "Indicação",
        "Site",
        "Instagram",
        "Google Ads",
        "Evento",
        "Prospecção ativa",
        "WhatsApp",
        "Outro",
    ]
    reasons = db.execute("select name from public.loss_reasons order by display_order").fetchall()
    assert [r for (r,) in reasons] == [
        "Preço alto",
        "Escolheu concorrente",
        "Sem orçamento",
        "Sem resposta",
        "Data indisponível",
        "Projeto cancelado",
        "Outro",
    ]
    stages = db.execute("""
        select p.name, p.is_default, p.is_active, s.name, s.probability, s.is_active
        from public.stages as s join public.pipelines as p on p.id = s.pipeline_id
        order by s.display_order
        """).fetchall()
    assert stages == [
        ("Funil de Vendas", True, True, "Lead", 10, True),
        ("Funil de Vendas", True, True, "Contato feito", 25, True),
        ("Funil de Vendas", True, True, "Proposta enviada", 50, True),
        ("Funil de Vendas", True, True, "Negociação", 75, True),
        ("Funil de Vendas", True, True, "Fechamento", 90, True),
    ]


def test_schemactl_seed_twice_leaves_identical_rows(committed_db, crm_project):
    conn = committed_db.connection
    before = conn.execute(SNAPSHOT).fetchall()
    assert api.seed(crm_project, committed_db.url) > 0
    assert api.seed(crm_project, committed_db.url) > 0
    assert conn.execute(SNAPSHOT).fetchall() == before  # same rows, not even rewritten


def test_seeds_keep_what_admins_changed(db, crm_project):
    db.execute(
        "update public.sources set is_active = false, display_order = 99 where name = 'Outro'"
    )
    db.execute("update public.stages set probability = 30 where name = 'Contato feito'")
    before = db.execute(SNAPSHOT).fetchall()
    apply_statements(db, seed_statements(crm_project), role=crm_project.owner_role)
    assert db.execute(SNAPSHOT).fetchall() == before


def test_seeds_do_not_steal_the_default_from_another_pipeline(db, crm_project):
    db.execute("delete from public.pipelines where name = 'Funil de Vendas'")
    insert(db, "pipelines", name="Locação de equipamentos", is_default=True)
    apply_statements(db, seed_statements(crm_project), role=crm_project.owner_role)
    assert db.execute("select name, is_default from public.pipelines order by name").fetchall() == [
        ("Funil de Vendas", False),
        ("Locação de equipamentos", True),
    ]
    assert db.execute(
        "select count(*) from public.stages s join public.pipelines p "
        "on p.id = s.pipeline_id where p.name = 'Funil de Vendas'"
    ).fetchone() == (5,)


def test_only_one_pipeline_can_be_the_default(db):
    with pytest.raises(psycopg.errors.UniqueViolation) as caught, db.transaction():
        insert(db, "pipelines", name="Corporativo", is_default=True)
    assert caught.value.diag.constraint_name == "pipelines_single_default"
    # Moving the default: unset the old one first, in the same transaction.
    db.execute("update public.pipelines set is_default = false where is_default")
    insert(db, "pipelines", name="Corporativo", is_default=True)
    insert(db, "pipelines", name="Casamentos")
    insert(db, "pipelines", name="Formaturas")
    assert db.execute("select name from public.pipelines where is_default").fetchall() == [
        ("Corporativo",)
    ]
