"""Views that must go and come back because what they read is dropped or replaced.

`results` re-creates the views that depend on a relation whose columns changed, but not
those on a relation it drops and creates again as something else: a table `x.data`
replaced by a view `x.data` cannot be dropped while the unchanged view `x.q` reads it.
Such dependent views (and materialized views, transitively) are dropped before
everything else and created again from schema/'s definition; the statement order then
puts each creation after what it reads (`dependency_order`), and their grants, comments
and indexes come back like those of any re-created view.
"""

from __future__ import annotations

from pglast import ast
from pglast.enums import ObjectType

from schemactl.diff.inspected import Inspection, Relation
from schemactl.diff.results_rewrites import split

DROPPED_RELATIONS = (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW)
VIEW_KINDS = ("v", "m")


def with_dependent_views_recreated(
    statements: list[tuple[str, ast.Node]], before: Inspection, after: Inspection
) -> list[tuple[str, ast.Node]]:
    """``statements`` with the views that read a dropped relation dropped first and
    created again at the end (only views schema/ still has and no statement drops)."""
    dropped = {
        tuple(s.sval for s in obj)
        for _, node in statements
        if isinstance(node, ast.DropStmt) and node.removeType in DROPPED_RELATIONS
        for obj in node.objects or ()
    }
    by_name = {(v.schema, v.name): v for v in before.selectables.values()}
    dependants: dict[str, Relation] = {}
    for names in dropped:
        relation = by_name.get((names[0], names[-1]) if len(names) > 1 else ("public", names[0]))
        for key in getattr(relation, "dependents_all", None) or ():
            view = before.selectables.get(key)
            wanted = after.selectables.get(key)
            if (
                view is not None
                and view.relationtype in VIEW_KINDS
                and wanted is not None
                and wanted.relationtype in VIEW_KINDS
                and (view.schema, view.name) not in dropped
            ):
                dependants[key] = view
    if not dependants:
        return statements
    # A view's dependants are a subset of those of what it reads: fewest first.
    order = sorted(dependants, key=lambda k: (len(dependants[k].dependents_all or ()), k))
    drops = [item for key in order for item in split(dependants[key].drop_statement)]
    known = {text for text, _ in statements}
    creates = [
        item
        for key in reversed(order)
        for item in split(after.selectables[key].create_statement)
        if item[0] not in known
    ]
    return [*drops, *statements, *creates]
