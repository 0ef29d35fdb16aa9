"""The options several commands share, and the context every command gets: the project
(found from the current directory or --project) and whether to show tracebacks."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import click
from click.core import ParameterSource

from schemactl.config import Project, load_project
from schemactl.pg.databases import GRANT_MODES
from schemactl.pg.urls import check_url

DB_URL_ENV = "SCHEMACTL_DB_URL"
DEV_URL_ENV = "SCHEMACTL_DEV_URL"


def _checked_url(envvar: str) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    """A callback refusing an empty or malformed URL, naming where it came from. An
    empty environment variable is refused too (click would ignore it and fall back to
    the local database: `SCHEMACTL_DB_URL=$UNSET_VARIABLE` must not apply locally)."""

    def check(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        source = param.opts[0]
        if ctx.get_parameter_source(param.name or "") is ParameterSource.ENVIRONMENT:
            source = envvar
        if value is None and envvar in os.environ:
            return check_url(os.environ[envvar], envvar)
        return None if value is None else check_url(value, source)

    return check


db_url_option = click.option(
    "--db-url",
    envvar=DB_URL_ENV,
    default=None,
    metavar="URL",
    callback=_checked_url(DB_URL_ENV),
    help="Target database (env SCHEMACTL_DB_URL). Default: the local one from `schemactl up`.",
)
grant_mode_option = click.option(
    "--grant-mode",
    type=click.Choice(GRANT_MODES),
    default="legacy",
    show_default=True,
    help="Stand-in default privileges: Supabase's current `legacy` ones or `opt-in` (none).",
)


class Context:
    def __init__(self, project_dir: Path | None, show_traceback: bool) -> None:
        self.project_dir = project_dir
        self.show_traceback = show_traceback

    @property
    def project(self) -> Project:
        return load_project(self.project_dir)


pass_context = click.make_pass_decorator(Context)


scratch_server_option = click.option(
    "--dev-url",
    "server_url",
    envvar=DEV_URL_ENV,
    default=None,
    metavar="URL",
    callback=_checked_url(DEV_URL_ENV),
    help="Dev server (env SCHEMACTL_DEV_URL): make the scratch databases inside it (a "
    "superuser URL; they are created and dropped) instead of a throwaway local server.",
)
check_option = click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 (with a diff) when the file on disk is not what would be "
    "generated.",
)


def output_option(default: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"Write here instead of {default}.",
    )
