"""SQL test files (`test_*.sql`) as pytest items: each runs in a fresh database and
fails on the first error with the file and line it comes from."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from _pytest._code.code import TerminalRepr, TracebackStyle

from schemactl.errors import SchemactlError
from schemactl.pg.failures import server_message
from schemactl.source.files import SourceFile
from schemactl.source.statements import Statement, parse_statements

PLPGSQL_LINE = re.compile(r"PL/pgSQL function inline_code_block line (\d+)")
DOLLAR_QUOTE = re.compile(r"\$[A-Za-z_]*\$")


class SqlTestFailure(Exception):
    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


class SqlFile(pytest.File):
    def collect(self) -> Iterator[SqlItem]:
        yield SqlItem.from_parent(self, name=self.path.stem)


class SqlItem(pytest.Item):
    def runtest(self) -> None:
        from schemactl.testing.session import databases_for

        path = Path(self.path)
        statements = parse_statements(
            SourceFile(_relative(path, Path(self.config.rootpath)), path.read_text("utf-8"))
        )
        with databases_for(self.config).committed("opt-in") as committed:
            run_sql_statements(committed.connection, statements)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: TracebackStyle | None = None,
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, (SqlTestFailure, SchemactlError)):
            return str(excinfo.value)  # file:line[:col]: message, no traceback
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return Path(self.path), 0, f"sql: {self.name}"


def run_sql_statements(conn: psycopg.Connection, statements: list[Statement]) -> None:
    """Execute statements in order on an autocommit connection; BEGIN/ROLLBACK in the
    file act as written."""
    for statement in statements:
        try:
            conn.execute(statement.sql)
        except psycopg.Error as exc:
            raise SqlTestFailure(
                statement.file, _failing_line(statement, exc), server_message(exc)
            ) from None


def _failing_line(statement: Statement, exc: psycopg.Error) -> int:
    """The file line of the failure: inside a DO block, the body line PL/pgSQL names."""
    match = PLPGSQL_LINE.search(exc.diag.context or "")
    opener = DOLLAR_QUOTE.search(statement.sql)
    if match and opener:
        body_first_line = statement.line + statement.sql[: opener.start()].count("\n")
        return body_first_line + int(match.group(1)) - 1
    return statement.line


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
