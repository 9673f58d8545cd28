"""torch.compile on one thread while other threads run models.

While torch.fx traces a function (inductor does, for every graph it lowers: make_fx, and once per process
a dummy `symbolic_trace`), it replaces `torch.nn.Module.__call__` and `__getattr__` process-wide. Any
module another thread calls in that window goes through the tracer: with the base tracer that raises
``NameError: module is not installed as a submodule`` (seen in CI: the embedder, on the caller's thread,
while the scheduler's warm-up thread compiled the decoder step). `keep_fx_tracing_in_its_thread()` makes
those two patches apply only in the thread that traces; every other thread keeps the real methods.

`COMPILE_LOCK` serialises this project's compiles, so two traces never overlap (the patcher's
"already patched" shortcut assumes one tracing thread at a time).
"""

from __future__ import annotations

import functools
import threading

COMPILE_LOCK = threading.RLock()
_install_lock = threading.Lock()
_installed: bool | None = None  # None: not tried; False: this torch has no such patcher (nothing to fix)
_PATCHED = ("__call__", "__getattr__")


def _only_in(owner: int, orig, traced):
    """`traced` in the thread `owner`, `orig` in every other one."""

    @functools.wraps(traced)
    def guarded(*args, **kwargs):
        if threading.get_ident() == owner:
            return traced(*args, **kwargs)
        return orig(*args, **kwargs)

    return guarded


def keep_fx_tracing_in_its_thread() -> bool:
    """Install the guard once per process (idempotent, cheap after the first call). True when installed;
    False where torch.fx has no patcher to guard (a torch whose tracing patches nothing process-wide, or
    a renamed internal: then nothing changes)."""
    global _installed
    if _installed is not None:
        return _installed
    with _install_lock:
        if _installed is not None:
            return _installed
        try:
            import torch
            from torch.fx import _symbolic_trace as st

            patcher = st._Patcher
            original = patcher.patch_method
        except (ImportError, AttributeError):
            _installed = False
            return False

        def patch_method(self, cls, name, new_fn, deduplicate=True):
            if cls is torch.nn.Module and name in _PATCHED:
                current = getattr(cls, name)
                if not getattr(current, "__fx_already_patched", False):
                    new_fn = _only_in(threading.get_ident(), current, new_fn)
            return original(self, cls, name, new_fn, deduplicate)

        patcher.patch_method = patch_method
        _installed = True
        return True
