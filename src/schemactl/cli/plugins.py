"""Commands contributed by other installed packages, through the entry point group
`schemactl.commands`: each entry point names a `click.Command` (or group), added under
the entry point's name. They are loaded on first use, after the core CLI exists, so a
plugin may import `schemactl.api` at its top level."""

from __future__ import annotations

from importlib.metadata import entry_points

import click

from schemactl.errors import SchemactlError

COMMANDS_ENTRY_POINT_GROUP = "schemactl.commands"


class PluginGroup(click.Group):
    """The root group: its own commands plus those of the installed plugins."""

    _plugins_loaded = False

    def load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for entry_point in entry_points(group=COMMANDS_ENTRY_POINT_GROUP):
            command = entry_point.load()
            if not isinstance(command, click.Command):
                raise SchemactlError(
                    f"entry point {entry_point.name} = {entry_point.value} in group "
                    f"{COMMANDS_ENTRY_POINT_GROUP} is not a click command",
                    hint="point it at a click.Command or click.Group object",
                )
            if entry_point.name in self.commands:
                raise SchemactlError(
                    f"entry point {entry_point.name} = {entry_point.value} in group "
                    f"{COMMANDS_ENTRY_POINT_GROUP} names a command schemactl already has",
                    hint="give the plugin's command another name",
                )
            self.add_command(command, entry_point.name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load_plugins()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self.load_plugins()
        return super().get_command(ctx, cmd_name)
