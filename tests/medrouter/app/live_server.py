"""One way to run the real HTTP server in a test: uvicorn on a free loopback port, in a thread."""
from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def live_server(settings, assistant, start_timeout: float = 30) -> Iterator[str]:
    """`create_app(settings, assistant)` served until the block ends; yields its base URL."""
    import uvicorn

    from medrouter.app.server import create_app

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(settings, assistant), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + start_timeout
    while not srv.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
