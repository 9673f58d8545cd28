"""Serving every expert from one vLLM server: the base model once, each expert's LoRA adapter
registered by name (vLLM's multi-LoRA batching), behind vLLM's OpenAI-compatible API.

    python -m experts.vllm --port 8001 --print        # the command for experts.yaml
    python -m experts.vllm --port 8001                # validate the adapters, start vLLM, wait until ready

The router stays in front: the project's OpenAI-compatible backend sends `model=<expert name>`,
which vLLM resolves to that expert's adapter (`--lora-modules name=path`); an expert without an
adapter is an extra `--served-model-name` of the base model, so every expert name is servable.

Adapters are checked *before* vLLM starts (it would fail on the first request, or at start-up
with a bare traceback): files present, LoRA only, rank within `--max-lora-rank`, features vLLM's
LoRA loader lacks (DoRA, bias, modules_to_save), and a base-model match read from the checkpoint
headers only: each adapted module's input/output sizes, and `base_model_signature` where the
trainer wrote one. No weight is loaded here.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from medrouter.core.errors import AdapterError, MedrouterError, UsageError

from .config import WEIGHTS

# vLLM's LoRAConfig.max_lora_rank only takes these values (vllm.config.lora.MaxLoRARanks).
VLLM_LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)
BASE_SERVED_NAME = "base"
# vllm serve's --dtype for experts.yaml base_model.dtype ("auto" is bf16 on a GPU, as load_lm does)
VLLM_DTYPE = {"auto": "bfloat16", "bfloat16": "bfloat16", "float16": "float16", "float32": "float32"}
INSTALL_HINT = ("vLLM is not installed in this environment; install it on a CUDA machine with "
                "`pip install vllm` (it pins its own torch), or serve with the project's backend: "
                "`medrouter serve`")


class VLLMUnavailableError(MedrouterError):
    """vLLM cannot be started here (not installed, or it exited before it was ready)."""

    exit_code = 2


@dataclass
class VLLMAdapter:
    expert: str
    path: Path
    rank: int
    base_model_name_or_path: str | None


# --------------------------------------------------------------------------------------------
# Checks, from files only


def _tensor_shapes(files: Sequence[Path]) -> dict[str, list[int]]:
    from safetensors import safe_open

    shapes: dict[str, list[int]] = {}
    for f in files:
        with safe_open(str(f), framework="pt") as fh:
            for key in fh.keys():
                shapes[key] = list(fh.get_slice(key).get_shape())
    return shapes


# The fields of `base_model_signature`, which the project trainer writes into adapter_config.json:
# an adapter fits any checkpoint with the same shape and vocabulary.
SIGNATURE_FIELDS = ("model_type", "hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size")


def base_signature(config: dict) -> str:
    """`base_model_signature` of a base model, from its config.json."""
    return "/".join(str(config.get(k, "?")) for k in SIGNATURE_FIELDS)


def adapter_rank(cfg: dict) -> int:
    """The largest LoRA rank in an adapter config (`r`, or a per-module `rank_pattern`)."""
    ranks = [int(cfg.get("r") or 0), *(int(v) for v in (cfg.get("rank_pattern") or {}).values())]
    return max(ranks)


def _check_one(expert: str, folder: Path, base_dir: Path, base_config: dict, base_shapes: dict,
               max_lora_rank: int | None) -> VLLMAdapter:
    from .adapters import read_adapter_config

    where = f"expert '{expert}': adapter {folder}"
    cfg = read_adapter_config(expert, folder, kind="vLLM serves LoRA adapters only")
    if not (folder / WEIGHTS).is_file():
        raise AdapterError(f"{where} has no {WEIGHTS}")
    rank = adapter_rank(cfg)
    if rank < 1:
        raise AdapterError(f"{where}: adapter_config.json has no LoRA rank `r`")
    if max_lora_rank is not None and rank > max_lora_rank:
        raise AdapterError(f"{where} has LoRA rank {rank}, above the server's --max-lora-rank {max_lora_rank}; "
                           f"raise it to {_round_up_rank(rank)} or retrain with lora.r <= {max_lora_rank}")
    unsupported = [name for name, bad in (("use_dora", cfg.get("use_dora")),
                                          ("bias", cfg.get("bias", "none") != "none"),
                                          ("modules_to_save", cfg.get("modules_to_save"))) if bad]
    if unsupported:
        raise AdapterError(f"{where} uses {', '.join(unsupported)}, which vLLM's LoRA loader does not serve; "
                           "serve it with the project's backend (`medrouter serve`)")
    have = cfg.get("base_model_signature")
    want = base_signature(base_config)
    if have and have != want:
        raise AdapterError(f"{where} was trained for another base model ({cfg.get('base_model_name_or_path')}, "
                           f"shape {have}); the served base {base_dir} is {want}")
    try:
        shapes = _tensor_shapes([folder / WEIGHTS])
    except Exception as exc:  # safetensors raises its own types for truncated or garbled files
        raise AdapterError(f"{where}: {WEIGHTS} is corrupted or unreadable ({type(exc).__name__}: {exc})") from None
    if not shapes:
        raise AdapterError(f"{where}: {WEIGHTS} holds no tensors")
    for key, shape in shapes.items():
        part = ".lora_A." if ".lora_A." in key else ".lora_B." if ".lora_B." in key else None
        if part is None:
            continue
        module = key.split(part, 1)[0].removeprefix("base_model.model.")
        base = base_shapes.get(module + ".weight")
        if base is None:
            raise AdapterError(f"{where}: weight {key} adapts module {module}, which the base model {base_dir} "
                               "does not have: it was trained for another base model")
        out_f, in_f = base[0], base[-1]
        if part == ".lora_A." and shape[-1] != in_f or part == ".lora_B." and shape[0] != out_f:
            raise AdapterError(f"{where} was trained for another base model: {module} is {in_f}->{out_f} in "
                               f"{base_dir}, the adapter has {key} of shape {shape}")
    return VLLMAdapter(expert=expert, path=folder, rank=rank,
                       base_model_name_or_path=cfg.get("base_model_name_or_path"))


def _round_up_rank(rank: int) -> int:
    for r in VLLM_LORA_RANKS:
        if r >= rank:
            return r
    raise AdapterError(f"LoRA rank {rank} is above vLLM's largest --max-lora-rank ({VLLM_LORA_RANKS[-1]})")


def base_model_dir(settings) -> Path:
    """The HF folder vLLM loads (an embedded/GGUF base is the folder it was converted to once)."""
    from medrouter.core.models import resolve_lm_path

    bm = settings.base_model
    return Path(resolve_lm_path(bm.path, bm.gguf_file, settings.cache_dir))


def validate_adapters_for_vllm(settings, max_lora_rank: int | None = None) -> list[VLLMAdapter]:
    """Check every configured adapter against the base model and the server's rank limit; returns
    them in config order. Raises AdapterError naming the expert on the first problem."""
    if max_lora_rank is not None and max_lora_rank not in VLLM_LORA_RANKS:
        raise UsageError(f"--max-lora-rank {max_lora_rank} is not one vLLM accepts: {VLLM_LORA_RANKS}")
    base_dir = base_model_dir(settings)
    try:
        base_config = json.loads((base_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AdapterError(f"cannot read the base model's config.json in {base_dir}: {exc}") from None
    experts = [e for e in settings.experts if e.adapter]
    base_shapes = _tensor_shapes(sorted(base_dir.glob("*.safetensors"))) if experts else {}
    return [_check_one(e.name, Path(e.adapter), base_dir, base_config, base_shapes, max_lora_rank) for e in experts]


# --------------------------------------------------------------------------------------------
# The command


def vllm_command(settings, *, port: int, host: str = "127.0.0.1", max_lora_rank: int | None = None,
                 tensor_parallel_size: int = 1, extra: Sequence[str] = ()) -> list[str]:
    """`vllm serve BASE ...` serving every expert of `settings` by name, after validating the adapters.

    `max_lora_rank` None: the smallest rank vLLM accepts that holds every adapter."""
    if tensor_parallel_size < 1:
        raise UsageError(f"tensor_parallel_size must be at least 1 (got {tensor_parallel_size})")
    adapters = validate_adapters_for_vllm(settings, max_lora_rank)
    bm = settings.base_model
    names = [BASE_SERVED_NAME] + [e.name for e in settings.experts if not e.adapter]
    cmd = ["vllm", "serve", str(base_model_dir(settings)),
           "--host", host, "--port", str(port),
           "--served-model-name", *names,
           "--dtype", VLLM_DTYPE[bm.dtype],
           "--max-model-len", str(bm.max_context_tokens),
           "--tensor-parallel-size", str(tensor_parallel_size)]
    if bm.quantization == "nf4":
        cmd += ["--quantization", "bitsandbytes"]  # vLLM quantizes the bf16 checkpoint in flight
    if adapters:
        rank = max_lora_rank or _round_up_rank(max(a.rank for a in adapters))
        cmd += ["--enable-lora", "--lora-modules", *(f"{a.expert}={a.path}" for a in adapters),
                # every expert may appear in one batch: mixed traffic never waits for an adapter slot
                "--max-lora-rank", str(rank), "--max-loras", str(len(adapters)),
                "--max-cpu-loras", str(len(adapters))]
    return cmd + list(extra)


# --------------------------------------------------------------------------------------------
# Starting it


def vllm_available() -> bool:
    return importlib.util.find_spec("vllm") is not None


def launch_vllm(settings, *, port: int, host: str = "127.0.0.1", max_lora_rank: int | None = None,
                tensor_parallel_size: int = 1, extra: Sequence[str] = (), wait_s: float = 900.0,
                log_path: str | os.PathLike | None = None) -> subprocess.Popen:
    """Validate, start `vllm serve` and wait until `/health` answers; returns the process (the
    caller stops it with `.terminate()`). Fails with VLLMUnavailableError where vLLM is missing or
    exits before it is ready (with the end of its log)."""
    if not vllm_available():
        raise VLLMUnavailableError(INSTALL_HINT)
    cmd = vllm_command(settings, port=port, host=host, max_lora_rank=max_lora_rank,
                       tensor_parallel_size=tensor_parallel_size, extra=extra)
    exe = shutil.which("vllm") or str(Path(sys.executable).with_name("vllm"))
    if not Path(exe).exists():
        raise VLLMUnavailableError(f"the vllm package is importable but its `vllm` command is not on PATH; "
                                   f"{INSTALL_HINT}")
    cmd[0] = exe
    log = Path(log_path) if log_path else Path(settings.cache_dir) / "vllm" / f"serve-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    fh = open(log, "w", encoding="utf-8")
    proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
    fh.close()
    deadline = time.monotonic() + wait_s
    url = f"http://{host}:{port}/health"
    import httpx

    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            raise VLLMUnavailableError(f"vllm exited with status {proc.returncode} before it was ready "
                                       f"(log {log}):\n{tail}")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(2.0)
    proc.terminate()
    raise VLLMUnavailableError(f"vllm did not answer {url} within {wait_s:.0f} s (log {log})")


def main(argv: list[str] | None = None) -> int:
    from medrouter.core.config import load_config

    p = argparse.ArgumentParser(prog="python -m experts.vllm", description=__doc__.splitlines()[0])
    p.add_argument("--config", default=None, help="experts.yaml (default: $MEDROUTER_CONFIG or the shipped one)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8001)
    p.add_argument("--max-lora-rank", type=int, default=None)
    p.add_argument("--tensor-parallel-size", type=int, default=1)
    p.add_argument("--print", action="store_true", help="validate and print the command; start nothing")
    args, extra = p.parse_known_args(argv)
    proc = None
    try:
        settings = load_config(args.config)
        kw = dict(port=args.port, host=args.host, max_lora_rank=args.max_lora_rank,
                  tensor_parallel_size=args.tensor_parallel_size, extra=extra)
        if args.print:
            print(shlex.join(vllm_command(settings, **kw)))
            return 0
        proc = launch_vllm(settings, **kw)
        print(f"vLLM serving {', '.join(settings.expert_names)} at http://{args.host}:{args.port}/v1 "
              f"(pid {proc.pid}); Ctrl+C stops it", file=sys.stderr)
        return proc.wait()
    except MedrouterError as exc:
        print(f"medrouter: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        if proc is not None:
            proc.terminate()
        return 130


if __name__ == "__main__":
    sys.exit(main())
