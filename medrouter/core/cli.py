"""What every package's subcommands share. The `medrouter` command itself is assembled in
medrouter/app/cli.py from each package's `register(sub)`; a package's cli.py imports only this.

`eval` is shared: `eval_subparsers(sub)` creates the `eval` command (with its own subparsers) the
first time any module asks and stores it on `sub._medrouter_eval`, so `medrouter eval router` and
`medrouter eval expert` compose in any registration order.
"""
from __future__ import annotations

import argparse
import json


def add_config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="experts.yaml to use (default: $MEDROUTER_CONFIG or the shipped one)")


def emit(obj, as_json: bool, text: str | None = None) -> None:
    """Print JSON (machine) or text (human)."""
    if as_json:
        print(json.dumps(obj, ensure_ascii=False, indent=None if isinstance(obj, list) else 2))
    else:
        print(text if text is not None else json.dumps(obj, ensure_ascii=False, indent=2))


def eval_subparsers(sub):
    """The `eval` command's subparsers, created by whichever module registers first."""
    ev = getattr(sub, "_medrouter_eval", None)
    if ev is None:
        p = sub.add_parser("eval", help="measure a part of the system on a labeled file (eval router, ...)")
        ev = p.add_subparsers(dest="eval_what", metavar="THING")
        ev.required = True
        sub._medrouter_eval = ev
    return ev
