"""`medrouter ui`: start the Streamlit app."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from medrouter.app.cli import add_config_arg

APP = Path(__file__).with_name("app.py")
# How the app is served: no usage stats, no developer toolbar (Deploy button) for end users, no
# file watcher (nothing to reload in production, and it costs CPU).
STREAMLIT_FLAGS = ["--server.headless", "true", "--browser.gatherUsageStats", "false",
                   "--client.toolbarMode", "minimal", "--server.fileWatcherType", "none"]


def streamlit_command(port: int, address: str | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port), *STREAMLIT_FLAGS]
    return cmd + (["--server.address", address] if address else [])


def cmd_ui(args) -> int:
    from medrouter import CONFIG_ENV, load_config

    settings = load_config(args.config)  # a broken config fails here, on one line, not in the browser
    env = dict(os.environ)
    if args.config:
        env[CONFIG_ENV] = str(Path(args.config).resolve())
    return subprocess.call(streamlit_command(args.port or settings.ui.port), env=env)


def register(sub) -> None:
    p = sub.add_parser("ui", help="start the Streamlit front end")
    p.add_argument("--port", type=int, default=None, help="default: ui.port in the config (8501)")
    add_config_arg(p)
    p.set_defaults(func=cmd_ui)
