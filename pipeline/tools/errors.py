"""One-line errors and exit codes shared by every command but ``run`` (which has its own, same rules).

* :class:`CommandParser`: ``argparse`` whose errors are one line on stderr
  (``error: PROG: ...``, exit 2), with the closest option name for a
  misspelt one, and no abbreviations (``--ware`` is not ``--warehouse``);
* :func:`command`: wraps a command's ``main(argv) -> int`` so that a bad,
  corrupt, locked or missing warehouse, a bad config, a missing file or a
  missing optional dependency is one line and exit 2, Ctrl-C is exit 130, and
  any other exception is one line and exit 1 (a bug; set
  ``MOROCCO_NEWS_TRACEBACK=1`` to see its traceback). ``needs`` names the
  optional packages a command cannot run without, checked before it starts.

The exit codes of every command are in the README's table ("Exit codes").
"""
from __future__ import annotations

import argparse
import difflib
import functools
import importlib.util
import os
import sys
from typing import Callable, Iterable, Optional

EXIT_USAGE = 2
EXIT_BUG = 1
EXIT_INTERRUPTED = 130

# import name -> (what to install, how)
OPTIONAL_PACKAGES = {
    "sklearn": ("scikit-learn", "pip install '.[train]'"),
    "pandas": ("pandas", "pip install pandas"),
    "websockets": ("websockets", "pip install '.[test]'"),
    "google": ("google-cloud-bigquery", "pip install ."),
}


# "morocco-news NAME" while pipeline.cli runs subcommand NAME (set there), so that usage lines
# and "see ... --help" hints show the command the user typed, not its `python -m` twin.
INVOKED_AS: Optional[str] = None


def shown_prog(prog: str) -> str:
    """``prog`` as the user typed it: ``python -m pipeline.X rest`` becomes ``morocco-news NAME
    rest`` while :data:`INVOKED_AS` is set; anything else is returned as it is."""
    if INVOKED_AS and prog.startswith("python -m pipeline."):
        return " ".join([INVOKED_AS] + prog.split()[3:])
    return prog


class CommandError(Exception):
    """A command cannot do what was asked; the message is one line saying what to fix (exit 2)."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def missing_package_message(name: Optional[str], command: str) -> str:
    """One line naming the missing package ``name`` (an import name) and how to install it."""
    top = (name or "?").split(".")[0]
    package, how = OPTIONAL_PACKAGES.get(top, (top, "pip install ."))
    return f"{command} needs the Python package {package}, which is not installed: {how}"


def require(packages: Iterable[str], command: str) -> None:
    """Raise CommandError when one of ``packages`` (import names) is not installed."""
    for name in packages:
        if importlib.util.find_spec(name) is None:
            raise CommandError(missing_package_message(name, command))


class CommandParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` with one-line errors and suggestions (see the module docstring)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        if kwargs.get("prog"):
            kwargs["prog"] = shown_prog(kwargs["prog"])
        super().__init__(*args, **kwargs)

    def _known_options(self) -> list[str]:
        names = list(self._option_string_actions)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):     # noqa: SLF001
                for sub in action.choices.values():
                    names += list(sub._option_string_actions)      # noqa: SLF001
        return [n for n in names if n.startswith("--")]

    def error(self, message):
        hint = ""
        if message.startswith("unrecognized arguments:"):
            first = message.split(":", 1)[1].split()[0] if message.split(":", 1)[1].split() else ""
            close = difflib.get_close_matches(first.split("=", 1)[0], self._known_options(), n=1, cutoff=0.6)
            if close:
                hint = f" (did you mean {close[0]}?)"
        print(f"error: {self.prog}: {_one_line(message)}{hint} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def cloud_setup_error(exc: BaseException) -> Optional[str]:
    """One line for a Google Cloud failure to reach BigQuery (no credentials, API error,
    network), or None when ``exc`` is something else."""
    module = type(exc).__module__ or ""
    if not module.startswith(("google.auth", "google.api_core", "google.cloud")):
        return None
    if type(exc).__name__ == "DefaultCredentialsError":
        return ("BigQuery: no Google Cloud credentials found: run `gcloud auth application-default login` "
                "(or set GOOGLE_APPLICATION_CREDENTIALS), or use a duckdb:/// warehouse")
    return f"BigQuery: {type(exc).__name__}: {_one_line(exc)[:300]}"


def _describe(exc: BaseException, name: str) -> tuple[int, str]:
    """Exit code and one line for an exception that ended command ``name``."""
    from pipeline.config import ConfigError
    from pipeline.warehouse.uri import WarehouseError
    from transforms.core.duckdb_lock import WarehouseBusy

    if isinstance(exc, (CommandError, ConfigError, WarehouseError, WarehouseBusy)):
        return EXIT_USAGE, _one_line(exc)
    if isinstance(exc, ModuleNotFoundError):
        return EXIT_USAGE, missing_package_message(exc.name, name)
    cloud = cloud_setup_error(exc)
    if cloud:
        return EXIT_USAGE, cloud
    try:
        import duckdb

        if isinstance(exc, duckdb.Error):
            return EXIT_USAGE, f"warehouse: {_one_line(exc)[:300]}"
    except ImportError:  # pragma: no cover - duckdb is a hard dependency
        pass
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return EXIT_USAGE, f"{where}{exc.strerror or _one_line(exc)}"
    return EXIT_BUG, (f"unexpected {type(exc).__name__}: {_one_line(exc)[:300]} (a bug: set "
                      f"MOROCCO_NEWS_TRACEBACK=1 to see the traceback)")


def command(name: str, needs: Iterable[str] = ()) -> Callable:
    """Decorator for a command's ``main(argv=None) -> int`` (behaviour in the module docstring)."""
    needs = tuple(needs)

    def wrap(main: Callable) -> Callable:
        @functools.wraps(main)
        def wrapper(argv: Optional[list] = None) -> int:
            try:
                require(needs, name)
                return int(main(argv) or 0)
            except SystemExit as exc:            # argparse (already printed) or a raise SystemExit("...")
                if isinstance(exc.code, str):
                    print(f"error: {_one_line(exc.code)}", file=sys.stderr)
                    return EXIT_USAGE
                return int(exc.code or 0)
            except KeyboardInterrupt:
                print("error: interrupted", file=sys.stderr)
                return EXIT_INTERRUPTED
            except BrokenPipeError:              # `| head` closed stdout: not an error of ours
                return 0
            except Exception as exc:  # noqa: BLE001 - every failure is one line
                if os.environ.get("MOROCCO_NEWS_TRACEBACK"):
                    raise
                code, line = _describe(exc, name)
                print(f"error: {line}", file=sys.stderr)
                return code
        return wrapper
    return wrap
