"""The files that let other tools work on the repository: supabase/config.toml for the
Supabase CLI, the GitHub Actions workflow, the pre-commit hooks."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import tomllib
from typing import Any

import pytest
import yaml

from schemactl.cli import cli
from schemactl.config import Project

CHECKS = [
    "schemactl lint --format github",
    "schemactl diff --check",
    "schemactl docs --check",
    "schemactl types --check",
    "schemactl seed-sql --check",
    "schemactl commands-doc --check",
]
# Code gates: style, formatting and the import layers (docs/architecture.md).
CODE_GATES = [
    "ruff check src tests benchmarks && ruff format --check src tests benchmarks",
    "lint-imports",
    "mypy",
]


def _config(project: Project) -> dict[str, Any]:
    return tomllib.loads((project.root / "supabase" / "config.toml").read_text("utf-8"))


def test_supabase_config_points_the_cli_at_our_migrations_seed_and_schemas(
    crm_project: Project,
) -> None:
    config = _config(crm_project)

    assert config["project_id"] == "stagetek-crm"
    assert config["db"]["port"] == 54322
    assert config["db"]["major_version"] == 15
    assert config["db"]["migrations"] == {"enabled": True}
    assert config["db"]["seed"] == {"enabled": True, "sql_paths": ["./seed.sql"]}
    assert (crm_project.root / "supabase" / "seed.sql").is_file()
    assert crm_project.migrations_dir == crm_project.root / "supabase" / "migrations"


def test_supabase_api_exposes_exactly_the_schemas_schemactl_treats_as_exposed(
    crm_project: Project,
) -> None:
    assert _config(crm_project)["api"]["schemas"] == list(crm_project.exposed_schemas)


def test_supabase_cli_accepts_the_config(crm_project: Project) -> None:
    """Where the Supabase CLI is installed: it loads the config without an error or a
    deprecation warning (it then fails on Docker, which is not the point here)."""
    supabase = shutil.which("supabase")
    if supabase is None:
        pytest.skip("the Supabase CLI is not on PATH")
    result = subprocess.run(
        [supabase, "status"],
        cwd=crm_project.root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert "config.toml" not in output, output
    assert "WARN" not in output, output


def _resolves(command_line: str) -> None:
    """`schemactl …` names a CLI command and its options parse (nothing runs)."""
    words = shlex.split(command_line)
    assert words[0] == "schemactl", command_line
    command = cli.commands.get(words[1])
    assert command is not None, f"{command_line}: no command {words[1]!r}"
    command.make_context(words[1], words[2:], resilient_parsing=False)


def _workflow(project: Project) -> dict[str, Any]:
    return yaml.safe_load((project.root / ".github" / "workflows" / "ci.yml").read_text())


def test_ci_installs_the_package_and_runs_every_check_then_the_tests(crm_project: Project) -> None:
    steps = _workflow(crm_project)["jobs"]["check"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]

    # The two optional tools the tests skip without: plpgsql_check for the runner's
    # PostgreSQL, and the pinned Supabase CLI.
    plpgsql_check, supabase_cli = runs[1:3]
    assert "-plpgsql-check" in plpgsql_check and "apt-get install" in plpgsql_check
    assert "npm install" in supabase_cli and "supabase@3.1.0" in supabase_cli
    assert runs == [
        'pip install -e ".[test]"',
        plpgsql_check,
        supabase_cli,
        *CODE_GATES,
        *CHECKS,
        "pytest -q",
    ]
    uses = [step["uses"] for step in steps if "uses" in step]
    assert uses == ["actions/checkout@v4", "actions/setup-python@v5", "actions/setup-node@v4"]


@pytest.mark.parametrize("command_line", CHECKS)
def test_each_ci_check_is_a_command_of_the_cli(command_line: str) -> None:
    _resolves(command_line)


def test_pre_commit_hooks_run_lint_the_migration_check_and_the_generated_files(
    crm_project: Project,
) -> None:
    config = yaml.safe_load((crm_project.root / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]

    assert [(h["id"], h["entry"]) for h in hooks] == [
        ("schemactl-lint", "schemactl lint"),
        ("schemactl-diff-check", "schemactl diff --check"),
        ("schemactl-generated", "schemactl generate --check"),
    ]
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    for hook in hooks:
        assert (hook["language"], hook["pass_filenames"]) == ("system", False)
        _resolves(hook["entry"])


def test_generated_files_are_not_ignored_by_git(crm_project: Project) -> None:
    ignored = subprocess.run(
        [
            "git",
            "check-ignore",
            "docs/schema.md",
            "docs/commands.md",
            "types/database.types.ts",
            "supabase/seed.sql",
            "supabase/config.toml",
        ],
        cwd=crm_project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ignored.stdout == ""
