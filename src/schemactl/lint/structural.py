"""The structural rules SC001–SC014 over the built schema."""

from __future__ import annotations

from schemactl.build.builder import Build
from schemactl.lint.access_rules import check_access
from schemactl.lint.codes import Violation
from schemactl.lint.comment_rules import check_comments
from schemactl.lint.function_rules import check_functions
from schemactl.lint.model import read_model
from schemactl.lint.settings import LintSettings
from schemactl.lint.table_rules import check_tables
from schemactl.lint.view_rules import check_views

CHECKS = (check_access, check_tables, check_functions, check_views, check_comments)


def structural_violations(build: Build, settings: LintSettings) -> list[Violation]:
    model = read_model(build)
    return [violation for check in CHECKS for violation in check(model, settings)]
