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


HOST_ENV = "MEDROUTER_UI_HOST"  # the address the app was started on, so the page can warn when it is public


def cmd_ui(args) -> int:
    from medrouter import CONFIG_ENV, load_config

    settings = load_config(args.config)  # a broken config fails here, on one line, not in the browser
    env = dict(os.environ)
    if args.config:
        env[CONFIG_ENV] = str(Path(args.config).resolve())
    # always an address: Streamlit alone listens on every interface
    host = args.host or settings.ui.host
    env[HOST_ENV] = host
    return subprocess.call(streamlit_command(args.port or settings.ui.port, host), env=env)


def register(sub) -> None:
    p = sub.add_parser("ui", help="start the Streamlit front end")
    p.add_argument("--port", type=int, default=None, help="default: ui.port in the config (8501)")
    p.add_argument("--host", default=None, help="address to listen on; default: ui.host in the config (127.0.0.1: "
                   "this machine only); 0.0.0.0 serves every interface, and the page then warns")
    add_config_arg(p)
    p.set_defaults(func=cmd_ui)
