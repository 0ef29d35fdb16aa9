"""Each write rule is defined once (schema/_macros.sql.j2) and expanded into the table's
policies and its private.can_write_<singular>() function: for every user, the rows the
function calls writable are exactly the rows the user's UPDATE changes."""

from __future__ import annotations

import pytest

from tests.access.sales_org import AUTHENTICATED, Access, SalesOrg

pytestmark = pytest.mark.grant_modes

# table, function, text column a no-op-looking update marks, sales_org key prefix
WRITE_RULES = (
    ("deals", "private.can_write_deal", "title", "deal"),
    ("organizations", "private.can_write_organization", "name", "org"),
    ("contacts", "private.can_write_contact", "name", "contact"),
)


@pytest.mark.parametrize(("table", "function", "column", "kind"), WRITE_RULES)
def test_can_write_function_and_update_policy_agree_for_every_user(
    access: Access, sales_org: SalesOrg, table: str, function: str, column: str, kind: str
) -> None:
    keys = sorted(k for k in sales_org.ids if k.startswith(f"{kind}:"))
    ids = [sales_org[k] for k in keys]

    def writable(actor: str) -> set[str]:
        return {
            key
            for key, row_id in zip(keys, ids, strict=True)
            if access.scalar(actor, f"select {function}(%s)", [row_id])
        }

    def updated(actor: str) -> set[str]:
        return access.changed(
            actor,
            f"update public.{table} set {column} = {column} || ' ✎'",
            f"select id from public.{table} where {column} like '% ✎'",
        )

    by_function = access.each(AUTHENTICATED, writable)
    by_policy = access.each(AUTHENTICATED, updated)
    assert by_function == by_policy
    # The rule is not vacuous: a seller writes their own live row only, an admin every row
    # (soft-deleted included), nobody without an active profile anything.
    own = {"deals": {"deal:a"}, "organizations": {"org:a"}, "contacts": {"contact:a"}}[table]
    assert by_policy["seller_a"] == own
    assert by_policy["admin"] == set(keys)
    assert by_policy["inactive"] == by_policy["ghost"] == set()
