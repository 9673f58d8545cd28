"""`medrouter` command line. Each package contributes its subcommands through a `register(sub)`
function in its own `cli.py`; this file only assembles them and turns user errors into one-line
messages with exit code 2 (no tracebacks)."""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import warnings

from .errors import MedrouterError

# Modules that add subcommands. A module that is missing (a package not built yet) is skipped.
COMMAND_MODULES = [
    "medrouter.commands",
    "router.cli",
    "experts.cli",
    "retrieval.cli",
    "training.cli",
    "ui.cli",
]


def add_config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="experts.yaml to use (default: $MEDROUTER_CONFIG or the shipped one)")


def emit(obj, as_json: bool, text: str | None = None) -> None:
    """Print JSON (machine) or text (human)."""
    if as_json:
        print(json.dumps(obj, ensure_ascii=False, indent=None if isinstance(obj, list) else 2))
    else:
        print(text if text is not None else json.dumps(obj, ensure_ascii=False, indent=2))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medrouter", description="A medical assistant built from small fine-tuned experts behind an embedding router.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        mod.register(sub)
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
