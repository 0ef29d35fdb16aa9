"""Commands contributed through the entry point group `schemactl.commands`: the V1
transition is such a plugin (package `schemactl_v1`), and the core knows nothing of it."""

from __future__ import annotations

import ast
import re
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import click
import pytest

import schemactl
import schemactl_v1
import schemactl_webhooks
from schemactl.cli import plugins
from schemactl.cli.plugins import COMMANDS_ENTRY_POINT_GROUP, PluginGroup
from schemactl.errors import SchemactlError

from .helpers import run_cli

CORE = Path(schemactl.__file__).parent
PLUGIN = Path(schemactl_v1.__file__).parent
PLUGINS = [PLUGIN, Path(schemactl_webhooks.__file__).parent]


def test_the_plugin_commands_are_registered_by_entry_point() -> None:
    registered = {ep.name: ep.value for ep in entry_points(group=COMMANDS_ENTRY_POINT_GROUP)}
    assert registered == {
        "migrate-v1": "schemactl_v1.cli:migrate_v1",
        "parity": "schemactl_v1.cli:parity",
        "dual-write": "schemactl_v1.cli:dual_write",
        "webhooks": "schemactl_webhooks.cli:webhooks_group",
    }


def test_plugin_commands_are_listed_and_run() -> None:
    listing = run_cli(["--help"])
    assert listing.exit_code == 0
    for name in ("migrate-v1", "parity", "dual-write", "webhooks"):
        assert re.search(rf"^  {name} ", listing.stdout, re.MULTILINE), name
    usage = run_cli(["dual-write", "--help"])
    assert usage.exit_code == 0
    assert "enable" in usage.stdout and "disable" in usage.stdout


def test_the_core_package_knows_nothing_of_v1() -> None:
    offenders = [
        f"{path.relative_to(CORE)}:{number}: {line.strip()}"
        for path in sorted(CORE.rglob("*"))
        if path.is_file() and path.suffix in {".py", ".sql", ".ts", ".j2"}
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if re.search(r"v1|stagetek", line, re.IGNORECASE)
    ]
    assert offenders == []


@pytest.mark.parametrize("plugin", PLUGINS, ids=lambda path: path.name)
def test_the_plugin_imports_the_core_only_through_the_public_api(plugin: Path) -> None:
    imported = {
        f"{path.name}: {module}"
        for path in sorted(plugin.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        for module in _imported_modules(node)
        if module.split(".")[0] == "schemactl"
        and module not in ("schemactl.api", "schemactl.cli.plugin_kit")
    }
    assert imported == set()


def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module]
    return []


def test_an_entry_point_that_is_not_a_command_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad = EntryPoint(name="broken", value="os:sep", group=COMMANDS_ENTRY_POINT_GROUP)
    monkeypatch.setattr(plugins, "entry_points", lambda group: [bad])
    group = PluginGroup("schemactl")
    with pytest.raises(SchemactlError) as caught:
        group.list_commands(click.Context(group))
    assert caught.value.message == (
        "entry point broken = os:sep in group schemactl.commands is not a click command"
    )


def test_an_entry_point_may_not_replace_a_core_command(monkeypatch: pytest.MonkeyPatch) -> None:
    clash = EntryPoint(
        name="build", value="schemactl_v1.cli:parity", group=COMMANDS_ENTRY_POINT_GROUP
    )
    monkeypatch.setattr(plugins, "entry_points", lambda group: [clash])
    group = PluginGroup("schemactl", commands={"build": click.Command("build")})
    with pytest.raises(SchemactlError) as caught:
        group.get_command(click.Context(group), "build")
    assert caught.value.message == (
        "entry point build = schemactl_v1.cli:parity in group schemactl.commands names a "
        "command schemactl already has"
    )
