"""docs/commands.md is generated from the CLI: it is current, every command has help and
an example, and a command added without them is caught."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from schemactl import cli as cli_module
from schemactl.config import Project
from schemactl.generate.command_reference import (
    CommandDoc,
    CommandReference,
    exit_codes,
    missing_documentation,
    render_command_reference,
    split_help,
)
from tests.support.cli import run_cli


def test_committed_command_reference_is_current(crm_project: Project) -> None:
    committed = (crm_project.root / "docs" / "commands.md").read_text("utf-8")

    assert committed == render_command_reference(cli_module.command_reference()), (
        "docs/commands.md is out of date: run `schemactl commands-doc`"
    )


def test_every_command_has_help_text_and_an_example() -> None:
    reference = cli_module.command_reference()

    assert missing_documentation(reference) == []
    assert {"build", "up", "docs", "types", "seed-sql", "commands-doc", "generate"} <= {
        c.name for c in reference.commands
    }


def test_reference_lists_every_command_with_usage_options_example_and_exit_codes() -> None:
    reference = cli_module.command_reference()
    text = render_command_reference(reference)

    for command in reference.commands:
        section = text.split(f"\n## schemactl {command.name}\n")[1].split("\n## ")[0]
        assert f"```\n{command.usage}\n```" in section
        assert "Example:\n\n```bash\nschemactl " in section
        assert "| 0 | " in section and "| 2 | " in section
    docs = text.split("\n## schemactl docs\n")[1].split("\n## ")[0]
    assert "| 1 | --check: the file is missing or out of date (run `schemactl docs`) |" in docs
    assert "| `--check` | Write nothing; exit 1 (with a diff) when the file on disk" in docs


@pytest.fixture
def undocumented(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command added to the CLI without a docstring."""
    monkeypatch.setitem(
        cli_module.cli.commands,
        "undocumented",
        click.Command("undocumented", callback=lambda: None),
    )


@pytest.mark.usefixtures("undocumented")
def test_a_command_added_without_docs_fails_the_reference(crm_project: Project) -> None:
    reference = cli_module.command_reference()
    committed = (crm_project.root / "docs" / "commands.md").read_text("utf-8")

    assert missing_documentation(reference) == [
        "`schemactl undocumented` has no help text",
        "`schemactl undocumented` has no `Example:` block",
    ]
    assert render_command_reference(reference) != committed
    result = run_cli(["--project", str(crm_project.root), "commands-doc", "--check"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: `schemactl undocumented` has no help text; ")


@pytest.mark.usefixtures("undocumented")
def test_commands_doc_refuses_to_write_an_incomplete_reference(
    tmp_path: Path, crm_project: Project
) -> None:
    output = tmp_path / "commands.md"
    result = run_cli(["--project", str(crm_project.root), "commands-doc", "-o", str(output)])

    assert result.exit_code == 1
    assert not output.exists()


def test_commands_doc_check_on_the_project_passes(crm_project: Project) -> None:
    result = run_cli(["--project", str(crm_project.root), "commands-doc", "--check"])

    assert (result.exit_code, result.stdout) == (0, "docs/commands.md: up to date\n")


def test_help_is_split_into_summary_description_example_and_exit_codes() -> None:
    parts = split_help(
        "Do the thing to\nthe schema.\n\nLonger words\nhere.\n\n\b\nExample:\n"
        "    schemactl thing\n    schemactl thing --x   # comment\n\n\b\nExit codes:\n"
        "    1  it found something\n    2  bad input, said differently\n"
    )

    assert parts.summary == "Do the thing to the schema."
    assert parts.description == "Longer words here."
    assert parts.example == "schemactl thing\nschemactl thing --x   # comment"
    assert exit_codes(parts) == {
        0: "success",
        1: "it found something",
        2: "bad input, said differently",
    }


def test_rendered_reference_of_a_small_cli_is_exact() -> None:
    reference = CommandReference(
        program="tool",
        help="A tool.\n\nExample:\n    tool go\n",
        global_options=(),
        commands=(
            CommandDoc("go", "tool go [OPTIONS]", "Go somewhere.\n\n\bExample:\n    tool go\n", ()),
        ),
    )

    assert render_command_reference(reference).split("## tool go\n")[1] == (
        "\nGo somewhere.\n\n```\ntool go [OPTIONS]\n```\n\nNo options.\n\nExample:\n\n"
        "```bash\ntool go\n```\n\n| exit code | meaning |\n|---|---|\n| 0 | success |\n"
        "| 2 | usage or input error (`error: …` on one line) |\n"
    )
