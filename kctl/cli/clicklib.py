"""The click that typer runs on. typer 0.28 vendors a trimmed copy of click as typer._click
(its classes differ from a separately installed click): import those names from here only."""

from typer import Abort, Exit
from typer._click.core import ParameterSource
from typer._click.exceptions import BadParameter, ClickException, NoArgsIsHelpError, NoSuchOption, UsageError
from typer._click.types import ParamType
from typer.core import TyperArgument as Argument
from typer.core import TyperGroup as Group
from typer.core import TyperOption as Option

__all__ = ["Abort", "Argument", "BadParameter", "ClickException", "Exit", "Group", "NoArgsIsHelpError", "NoSuchOption", "Option", "ParameterSource", "ParamType", "UsageError"]
