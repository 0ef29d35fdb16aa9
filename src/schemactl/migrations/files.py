"""The migration files in `supabase/migrations/`, named as the Supabase CLI names them:
`<version>_<name>.sql`, the version a UTC timestamp `YYYYMMDDHHMMSS`.

Each file is split with pglast into located statements. Two versions of a statement are
"the same" when pglast deparses them to the same canonical SQL: formatting, comments and
the way a tool splits the file do not matter, any token does. (pglast's `fingerprint`
alone ignores constants — a changed function body or default keeps its fingerprint — so
it cannot tell that an applied migration was edited.)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from pglast.parser import ParseError, fingerprint, parse_sql_json
from pglast.stream import RawStream

from schemactl.config import Project
from schemactl.errors import Location, SchemactlError
from schemactl.source.files import SOURCE_ENCODING, SourceFile
from schemactl.source.statements import line_col, parse_statements, spans, split_leading_comments
from schemactl.source.supabase_split import cli_statements, split_differences

# Statements PostgreSQL refuses inside a transaction block (and any … CONCURRENTLY).
OUTSIDE_TRANSACTION = frozenset(
    {
        "VacuumStmt",
        "CreatedbStmt",
        "DropdbStmt",
        "AlterSystemStmt",
        "CreateTableSpaceStmt",
        "DropTableSpaceStmt",
        "CreateSubscriptionStmt",
        "DropSubscriptionStmt",
    }
)
# Statements a migration made of nothing else runs outside a transaction.
CONCURRENT_INDEX_KINDS = frozenset({"IndexStmt", "DropStmt"})
FILE_PATTERN = re.compile(r"^(?P<version>[0-9]+)_(?P<name>.*)\.sql$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
MAX_NAME_LENGTH = 100
VERSION_FORMAT = "%Y%m%d%H%M%S"


@dataclass(frozen=True)
class MigrationStatement:
    """One statement of a migration file (what applying it needs: no parse tree)."""

    sql: str  # without leading comments or the final `;`
    file: str
    line: int
    col: int
    kind: str  # the parse node's type, e.g. "CreateStmt", "TransactionStmt"
    outside_transaction: bool = False  # CONCURRENTLY, VACUUM …: cannot run in a transaction

    @property
    def location(self) -> Location:
        return Location(self.file, self.line, self.col)


def parse_migration(path: str, text: str) -> tuple[MigrationStatement, ...]:
    """Split a migration file with PostgreSQL's parser (via pglast's JSON output, which
    is much faster than building Python parse trees for a file of thousands of lines)."""
    try:
        tree = json.loads(parse_sql_json(text))
    except ParseError:
        parse_statements(SourceFile(path, text))  # raises the located syntax error
        raise
    data = text.encode("utf-8")
    statements = []
    for item in tree.get("stmts", []):
        start = item.get("stmt_location", 0)
        end = start + item["stmt_len"] if item.get("stmt_len") else len(data)
        chunk = data[start:end].decode("utf-8")
        _, body, skipped = split_leading_comments(chunk)
        line, col = line_col(text, len(data[:start].decode("utf-8")) + skipped)
        body = body.rstrip().rstrip(";").rstrip()
        kind, fields = next(iter(item["stmt"].items()))
        outside = kind in OUTSIDE_TRANSACTION or bool(
            isinstance(fields, dict) and fields.get("concurrent")
        )
        statements.append(MigrationStatement(body, path, line, col, kind, outside))
    return tuple(statements)


@dataclass(frozen=True)
class MigrationFile:
    """One file of supabase/migrations/."""

    version: str
    name: str
    path: str  # relative to the project root
    text: str

    @cached_property
    def statements(self) -> tuple[MigrationStatement, ...]:
        return parse_migration(self.path, self.text)

    @cached_property
    def history_statements(self) -> tuple[str, ...]:
        """The statements as the Supabase CLI records them in schema_migrations: the pieces
        its splitter cuts the file into, leading comments included, trimmed."""
        return tuple(cli_statements(self.text))

    @cached_property
    def digests(self) -> tuple[str, ...]:
        return tuple(statement_digest(s.sql) for s in self.statements)

    @property
    def filename(self) -> str:
        return f"{self.version}_{self.name}.sql"

    @cached_property
    def concurrent(self) -> bool:
        """Only concurrent index builds and drops: run outside a transaction, one statement
        at a time (as the Supabase CLI runs them), see `apply`."""
        return bool(self.statements) and all(
            s.outside_transaction and s.kind in CONCURRENT_INDEX_KINDS for s in self.statements
        )

    def location(self, statement: MigrationStatement, offset: int = 0) -> Location:
        """Where ``statement`` (or the character ``offset`` into it) is in the file."""
        before = statement.sql[:offset]
        line = statement.line + before.count("\n")
        col = (offset - before.rfind("\n")) if "\n" in before else statement.col + offset
        return Location(self.path, line, col)


def read_migrations(project: Project) -> list[MigrationFile]:
    """Every `*.sql` file of supabase/migrations/, in version order."""
    directory = project.migrations_dir
    if not directory.is_dir():
        return []
    found: dict[str, MigrationFile] = {}
    for path in sorted(directory.glob("*.sql")):
        relative = project.relative(path)
        match = FILE_PATTERN.match(path.name)
        if match is None:
            raise SchemactlError(
                "migration file name does not match <version>_<name>.sql",
                location=Location(relative),
                hint="rename it like 20250101120000_add_notes.sql, or move it out of "
                "supabase/migrations/",
            )
        version = match["version"]
        if version in found:
            raise SchemactlError(
                f"two migrations have version {version}: {found[version].path} and {relative}",
                location=Location(relative),
                hint="give one of them a later timestamp",
            )
        try:
            text = path.read_text(SOURCE_ENCODING)
        except UnicodeDecodeError as exc:
            raise SchemactlError(
                "migration file is not UTF-8 text",
                location=Location(relative),
                hint="save it as UTF-8",
            ) from exc
        found[version] = MigrationFile(version, match["name"], relative, text)
    return [found[v] for v in sorted(found, key=_version_key)]


def _version_key(version: str) -> tuple[int, str]:
    return (int(version), version)


def check_name(name: str) -> None:
    """A new migration's name: lowercase snake_case, as file names are read by people."""
    if not NAME_PATTERN.match(name) or len(name) > MAX_NAME_LENGTH:
        raise SchemactlError(
            f"invalid migration name {name!r}: use lowercase snake_case (letters, digits and "
            f"single underscores, starting with a letter, at most {MAX_NAME_LENGTH} "
            "characters)",
            hint="e.g. `schemactl diff add_deal_notes`",
        )


def next_version(existing: Iterable[MigrationFile], now: datetime | None = None) -> str:
    """The current UTC time as a version, later than every existing one."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    version = moment.strftime(VERSION_FORMAT)
    latest = max((int(m.version) for m in existing), default=0)
    if int(version) <= latest:
        version = str(latest + 1)
    return version


def new_migration_path(project: Project, version: str, name: str) -> Path:
    return project.migrations_dir / f"{version}_{name}.sql"


def statement_digest(sql: str) -> str:
    """What identifies a statement's meaning: pglast's canonical deparse of it (falls back
    to the fingerprint plus the whitespace-normalised text if it cannot be deparsed)."""
    try:
        canonical = ";\n".join(RawStream()(item.node) for item in spans(sql))
    except (ParseError, NotImplementedError, ValueError, AttributeError):
        try:
            canonical = fingerprint(sql) + " " + " ".join(sql.split())
        except ParseError:
            canonical = " ".join(sql.split())
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def digests_of_texts(statements: Iterable[str]) -> tuple[str, ...]:
    """Digests of statements as some tool recorded them (chunks may hold comments only,
    or several statements): re-split with pglast, so the splitting does not matter."""
    digests: list[str] = []
    for chunk in statements:
        try:
            found = spans(chunk)
        except ParseError:
            digests.append(statement_digest(chunk))
            continue
        digests.extend(statement_digest(item.text(chunk)) for item in found)
    return tuple(digests)


def check_cli_split(migration: MigrationFile) -> None:
    """The Supabase CLI splits the file into the statements PostgreSQL reads (else
    `supabase db push` would fail on it, or run something else): the first statement it
    would split differently is an error at its file:line."""
    differences = split_differences(migration.text)
    if differences:
        first = differences[0]
        raise SchemactlError(
            first.message,
            location=Location(migration.path, first.line, first.col),
            hint="rewrite the statement as the message says (if no database has applied "
            "the migration yet; else in a new migration)",
        )


def check_transactional(migration: MigrationFile) -> None:
    """Migrations run in one transaction each (as on Supabase): no BEGIN/COMMIT of their
    own, and nothing PostgreSQL refuses in a transaction (… CONCURRENTLY, VACUUM)."""
    for statement in migration.statements:
        if statement.kind == "TransactionStmt":
            raise SchemactlError(
                "transaction control in a migration: each migration already runs in one "
                "transaction",
                location=statement.location,
                hint="remove BEGIN / COMMIT / ROLLBACK",
            )
        if statement.outside_transaction and not migration.concurrent:
            raise SchemactlError(
                "this statement cannot run inside a transaction, and a migration runs in one unless "
                "it holds only concurrent index builds",
                location=statement.location,
                hint="put concurrent index builds in a migration of their own (`create index "
                "concurrently` / `drop index concurrently` only: it runs outside a "
                "transaction), or drop CONCURRENTLY",
            )
