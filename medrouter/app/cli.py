"""`medrouter` command line. Each package contributes its subcommands through a `register(sub)`
function in its own `cli.py` (which imports only medrouter.core); this file assembles them, adds the
app's own (ask, serve, summarize, ...: medrouter/app/commands.py) and turns user errors into one-line
messages with exit code 2 (no tracebacks)."""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

from medrouter.core.cli import add_config_arg, emit  # noqa: F401  (the helpers a command module uses)
from medrouter.core.errors import MedrouterError

# (module, function) pairs that add subcommands, in the order `medrouter --help` lists them. Named,
# not imported: the UI's command sits above the app, and a missing package (not built yet) is skipped.
COMMAND_MODULES = [
    ("medrouter.app.commands", "register"),  # ask, prepare, config
    ("router.cli", "register"),
    ("medrouter.app.commands", "register_serve"),
    ("experts.cli", "register"),
    ("retrieval.cli", "register"),
    ("medrouter.app.commands", "register_summarize"),
    ("training.cli", "register"),
    ("ui.cli", "register"),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medrouter", description="A medical assistant built from small fine-tuned experts behind an embedding router.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, function in COMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        getattr(mod, function)(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub at run time
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Library deprecation notices are for developers, not for someone asking a question.
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        rc = args.func(args)
    except MedrouterError as exc:
        print(f"medrouter: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("medrouter: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
