"""Rows of a dataset by hub name or local path: one loader for training data and reference sources."""
from __future__ import annotations

from pathlib import Path

from .errors import UsageError

FILE_KINDS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet", ".tsv": "csv"}


def load_rows(path: str, split: str = "train", error: type[Exception] = UsageError):
    """`datasets.load_dataset` for a local file, a local folder or a hub dataset name; every failure
    (missing, empty, unsupported type, offline hub, malformed file, unknown split) is `error`."""
    import datasets

    p = Path(path).expanduser()
    try:
        if p.is_file():
            if not p.read_bytes()[:4096].strip():
                raise error(f"{p}: the dataset is empty (no rows)")
            kind = FILE_KINDS.get(p.suffix.lower())
            if kind is None:
                raise error(f"{p}: unsupported file type '{p.suffix}' (use {', '.join(sorted(FILE_KINDS))})")
            kwargs = {"delimiter": "\t"} if p.suffix.lower() == ".tsv" else {}
            return datasets.load_dataset(kind, data_files=str(p), split="train", **kwargs)
        if p.is_dir():
            return datasets.load_dataset(str(p), split=split)
        if "/" not in path or path.startswith((".", "/", "~")):
            raise error(f"data source not found: {path} (a local file/folder, or a hub dataset name owner/name)")
        return datasets.load_dataset(path, split=split)
    except error:
        raise
    except Exception as exc:  # offline hub, malformed file, bad split
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise error(f"cannot load data source {path!r} (split {split!r}): {msg}") from None
