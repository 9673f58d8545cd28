"""`medrouter ui`: start the Streamlit app."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from medrouter.cli import add_config_arg


def cmd_ui(args) -> int:
    app = Path(__file__).with_name("app.py")
    env = dict(os.environ)
    if args.config:
        env["MEDROUTER_CONFIG"] = str(Path(args.config).resolve())
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    return subprocess.call(cmd, env=env)


def register(sub) -> None:
    p = sub.add_parser("ui", help="start the Streamlit front end")
    p.add_argument("--port", type=int, default=8501)
    add_config_arg(p)
    p.set_defaults(func=cmd_ui)
