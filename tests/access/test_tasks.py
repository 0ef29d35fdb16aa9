"""tasks (docs/design.md: Access control): a seller reads the tasks assigned to or created by them and the
tasks of deals they can read; creates tasks for themselves or a team mate; updates and
deletes the tasks assigned to or created by them. A manager also writes their team's
tasks; managers and admins read every task; admins write every task."""

from __future__ import annotations

import pytest

from tests.access.sales_org import AUTHENTICATED, DENIED, NOBODY, Access, SalesOrg

pytestmark = pytest.mark.grant_modes

ALL_TASKS = {
    "task:a",
    "task:a_for_a2",
    "task:a2",
    "task:a2_deal",
    "task:b",
    "task:b_by_m",
    "task:from_admin",
    "task:none",
    "task:m_none",
    "task:inactive",
}
NOTHING: set[str] = set()

READABLE = {
    "admin": ALL_TASKS,
    "manager_a": ALL_TASKS,
    "manager_b": ALL_TASKS,
    "manager_none": ALL_TASKS,
    # Own, created, and task:a2_deal through the team mate's deal.
    "seller_a": {"task:a", "task:a_for_a2", "task:a2_deal", "task:from_admin"},
    "seller_a2": {"task:a_for_a2", "task:a2", "task:a2_deal"},
    "seller_b": {"task:b", "task:b_by_m"},
    "seller_none": {"task:none"},
    **{nobody: NOTHING for nobody in NOBODY},
}
WRITABLE = {
    "admin": ALL_TASKS,
    "manager_a": {
        "task:a",
        "task:a_for_a2",
        "task:a2",
        "task:a2_deal",
        "task:from_admin",
        "task:inactive",
    },
    "manager_b": {"task:b", "task:b_by_m"},
    "manager_none": {"task:m_none"},
    "seller_a": {"task:a", "task:a_for_a2", "task:from_admin"},
    "seller_a2": {"task:a_for_a2", "task:a2", "task:a2_deal"},
    "seller_b": {"task:b", "task:b_by_m"},
    "seller_none": {"task:none"},
    **{nobody: NOTHING for nobody in NOBODY},
}
ASSIGNEES = (
    "seller_a",
    "seller_a2",
    "manager_a",
    "seller_b",
    "admin",
    "seller_none",
    "manager_none",
)
TEAM_A = {"seller_a", "seller_a2", "manager_a"}
ASSIGNABLE = {
    "admin": set(ASSIGNEES),
    "manager_a": TEAM_A,
    "manager_b": {"seller_b"},
    "manager_none": {"manager_none"},
    "seller_a": TEAM_A,
    "seller_a2": TEAM_A,
    "seller_b": {"seller_b"},
    "seller_none": {"seller_none"},
    **{nobody: NOTHING for nobody in NOBODY},
}
INSERT_TASK = (
    "insert into public.tasks (subject, owner_id, created_by, deal_id) "
    "values ('Ligar para o cliente', %s, %s, %s)"
)


def test_each_role_reads_exactly_its_tasks(access: Access) -> None:
    assert (
        access.each(AUTHENTICATED, lambda actor: access.names(actor, "select id from public.tasks"))
        == READABLE
    )


def test_each_role_updates_exactly_the_tasks_it_may_write(access: Access) -> None:
    assert (
        access.each(
            AUTHENTICATED,
            lambda actor: access.changed(
                actor,
                "update public.tasks set completed_at = now()",
                "select id from public.tasks where completed_at is not null",
            ),
        )
        == WRITABLE
    )


def test_each_role_deletes_exactly_the_tasks_it_may_write(access: Access) -> None:
    def deleted(actor: str) -> set[str]:
        access.attempt(actor, "delete from public.tasks")
        return ALL_TASKS - access.sales_org.names(
            r[0] for r in access.db.execute("select id from public.tasks")
        )

    assert access.each(AUTHENTICATED, deleted) == WRITABLE


def test_each_role_assigns_new_tasks_to_itself_or_team_mates_only(
    access: Access, sales_org: SalesOrg
) -> None:
    def accepted(actor: str) -> set[str]:
        outcomes = {
            owner: access.attempt(actor, INSERT_TASK, [sales_org[owner], sales_org[actor], None])
            for owner in ASSIGNEES
        }
        assert set(outcomes.values()) <= {1, DENIED}
        return {owner for owner, outcome in outcomes.items() if outcome == 1}

    assert access.each(AUTHENTICATED, accepted) == ASSIGNABLE


def test_new_task_defaults_to_the_caller_as_creator_and_assignee(
    access: Access, sales_org: SalesOrg
) -> None:
    rows = access.rows(
        "seller_a",
        "insert into public.tasks (subject) values ('Visitar') returning owner_id, created_by",
    )
    assert rows == [(sales_org["seller_a"], sales_org["seller_a"])]


def test_seller_cannot_create_a_task_in_someone_elses_name(
    access: Access, sales_org: SalesOrg
) -> None:
    assert (
        access.attempt(
            "seller_a", INSERT_TASK, [sales_org["seller_a"], sales_org["seller_a2"], None]
        )
        == DENIED
    )


def test_seller_cannot_attach_a_task_to_a_deal_it_cannot_read(
    access: Access, sales_org: SalesOrg
) -> None:
    assert (
        access.attempt(
            "seller_a",
            INSERT_TASK,
            [sales_org["seller_a"], sales_org["seller_a"], sales_org["deal:b"]],
        )
        == DENIED
    )
    assert (
        access.attempt(
            "seller_a",
            INSERT_TASK,
            [sales_org["seller_a"], sales_org["seller_a"], sales_org["deal:a2"]],
        )
        == 1
    )


def test_seller_cannot_hand_a_task_to_another_team(access: Access, sales_org: SalesOrg) -> None:
    assert (
        access.attempt(
            "seller_a",
            "update public.tasks set owner_id = %s where id = %s",
            [sales_org["seller_b"], sales_org["task:a"]],
        )
        == DENIED
    )
    assert (
        access.attempt(
            "seller_a",
            "update public.tasks set owner_id = %s where id = %s",
            [sales_org["seller_a2"], sales_org["task:a"]],
        )
        == 1
    )


def test_seller_cannot_move_a_task_onto_a_deal_it_cannot_read(
    access: Access, sales_org: SalesOrg
) -> None:
    assert (
        access.attempt(
            "seller_a",
            "update public.tasks set deal_id = %s where id = %s",
            [sales_org["deal:b"], sales_org["task:a"]],
        )
        == DENIED
    )


def test_no_user_rewrites_who_created_a_task(access: Access, sales_org: SalesOrg) -> None:
    actors = ("seller_a", "manager_a", "admin")
    assert {
        actor: access.attempt(
            actor,
            "update public.tasks set created_by = %s where id = %s",
            [sales_org[actor], sales_org["task:a"]],
        )
        for actor in actors
    } == dict.fromkeys(actors, DENIED)


def test_seller_reads_but_cannot_change_a_team_mates_task_on_a_team_deal(
    access: Access, sales_org: SalesOrg
) -> None:
    assert access.names(
        "seller_a", "select id from public.tasks where id = %s", [sales_org["task:a2_deal"]]
    ) == {"task:a2_deal"}
    assert (
        access.attempt(
            "seller_a",
            "update public.tasks set subject = 'x' where id = %s",
            [sales_org["task:a2_deal"]],
        )
        == 0
    )
    assert (
        access.attempt(
            "seller_a", "delete from public.tasks where id = %s", [sales_org["task:a2_deal"]]
        )
        == 0
    )


def test_anon_is_refused_tasks(access: Access) -> None:
    assert access.attempt("anon", "select * from public.tasks") == DENIED
    assert (
        access.attempt(
            "anon",
            "insert into public.tasks (subject, owner_id, created_by) "
            "values ('x', gen_random_uuid(), gen_random_uuid())",
        )
        == DENIED
    )
