"""The sqlfluff verdict cache: unchanged files are not linted again; anything a verdict
depends on (the file, the macros a template imports, the configuration) invalidates it."""

from __future__ import annotations

import pytest

from schemactl.lint import Finding, lint, style

TABLE = """create table public.x (a int primary key);

alter table public.x enable row level security;

create policy x_select on public.x
for select to authenticated
using (true);
"""
MACROS = "{% macro keyword() %}select{% endmacro %}\n"
TEMPLATE = '{% import "_macros.sql.j2" as m %}\n{{ m.keyword() }} 1 as one;\n'


@pytest.fixture
def linted_files(monkeypatch) -> list[str]:
    """Paths that sqlfluff actually linted (not served from the cache)."""
    seen: list[str] = []
    real = style._lint_job

    def spy(job):
        seen.append(job.project.relative(job.path))
        return real(job)

    monkeypatch.setattr(style, "_lint_job", spy)
    return seen


def test_unchanged_files_come_from_the_cache(lint_project, linted_files):
    project = lint_project(
        {"schema/x.sql": TABLE, "seeds/010_x.sql": "INSERT into public.x (a) values (1);\n"}
    )
    first = lint(project)
    assert linted_files == ["schema/x.sql", "seeds/010_x.sql"]
    linted_files.clear()
    assert (
        lint(project)
        == first
        == [Finding("seeds/010_x.sql", 1, 1, "CP01", "Keywords must be lower case.")]
    )
    assert linted_files == []

    (project.root / "seeds" / "010_x.sql").write_text(
        "insert into public.x (a) values (1);\n", encoding="utf-8"
    )
    assert lint(project) == []
    assert linted_files == ["seeds/010_x.sql"]


def test_a_changed_macro_relints_the_templates(lint_project, linted_files):
    project = lint_project(
        {"schema/x.sql": TABLE, "schema/_macros.sql.j2": MACROS, "schema/one.sql.j2": TEMPLATE}
    )
    assert lint(project) == []
    linted_files.clear()
    (project.root / "schema" / "_macros.sql.j2").write_text(
        MACROS.replace("select", "SELECT"), encoding="utf-8"
    )
    assert lint(project) == []  # templated areas are not style-checked
    assert linted_files == ["schema/one.sql.j2"]


def test_a_changed_configuration_relints_everything(lint_project, linted_files):
    project = lint_project({"schema/x.sql": TABLE})
    assert lint(project) == []
    linted_files.clear()
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text("utf-8").replace(
            'capitalisation_policy = "lower"', 'capitalisation_policy = "upper"', 1
        ),
        encoding="utf-8",
    )
    assert [f.code for f in lint(project)][:1] == ["CP01"]
    assert linted_files == ["schema/x.sql"]
