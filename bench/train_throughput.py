"""Training throughput on the fixed workload (shared/bench/WORKLOAD.md): seed recipe, tuned peer,
and the project's own SFTTrainer path (training/fastpath.py), each variant in its own process.

    python bench/train_throughput.py --out bench/results/train_throughput.jsonl

Prints and writes one JSON line per variant: tokens/s (real tokens, after --warmup optimizer steps,
over --steps more), ratio to the seed and to the peer measured in the same run, peak allocated GiB,
batching, losses, GPU and library versions. `--layers 2 --hidden 64` etc. make it a CPU smoke test
of the script logic only (the seed and peer need bitsandbytes and a GPU).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The repo root goes first: sys.path[0] is bench/, whose experts.py / router.py would shadow the packages.
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() not in (REPO, REPO / "bench")]

VARIANTS = ("seed", "peer", "project-qlora", "project-lora-bf16")
N_EXAMPLES = 512
MIN_LEN, MAX_LEN = 32, 512
DENSE_BF16_PEAK = 790e12  # FLOP/s, H100/H200 dense bf16 as measured on these machines
N_PARAMS_7B = 6.74e9


# ------------------------------------------------------------------------------------------
# Workload


def example_lengths(n=N_EXAMPLES):
    import numpy as np

    lengths = np.random.default_rng(0).lognormal(math.log(220), 0.6, n)
    return np.clip(np.rint(lengths), MIN_LEN, MAX_LEN).astype(int).tolist()


def make_examples(vocab_size: int, data: str = "random") -> list[list[int]]:
    """Token ids per WORKLOAD.md ("random"), or learnable ones for the loss check ("learnable":
    Zipf-distributed tokens whose second half repeats the first, so a model can lower its loss)."""
    import numpy as np

    rng = np.random.default_rng(1)
    out = []
    for n in example_lengths():
        if data == "random":
            ids = rng.integers(3, vocab_size, n)
        else:
            half = rng.zipf(1.3, (n + 1) // 2) % (vocab_size - 3) + 3
            ids = np.concatenate([half, half])[:n]
        out.append(ids.tolist())
    return out


def make_tokenizer(vocab_size: int):
    """A word-level tokenizer over the model's vocabulary, so the checkpoint loads like a user's."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, **{f"t{i}": i for i in range(3, vocab_size)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="<s>", eos_token="</s>",
                                   pad_token="<unk>")


def build_model(args) -> None:
    """Save the Llama-2-7B-shaped random-weight model as bf16 safetensors under args.model_dir."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=args.vocab, hidden_size=args.hidden, intermediate_size=args.intermediate,
        num_hidden_layers=args.layers, num_attention_heads=args.heads, num_key_value_heads=args.heads,
        max_position_embeddings=4096, bos_token_id=1, eos_token_id=2, pad_token_id=0,
    )
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    torch.set_default_dtype(torch.bfloat16)
    with torch.device(device):
        model = LlamaForCausalLM(config)
    model.save_pretrained(args.model_dir)
    make_tokenizer(args.vocab).save_pretrained(args.model_dir)


# ------------------------------------------------------------------------------------------
# Measurement


class Meter:
    """Wall time and real tokens at the end of each optimizer step (device synchronised)."""

    def __init__(self):
        self.times, self.tokens, self.losses = [], [], []
        self.seen = 0

    def step_end(self, loss=None):
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()
        self.times.append(time.perf_counter())
        self.tokens.append(self.seen)
        if loss is not None:
            self.losses.append(float(loss))

    def tokens_per_s(self, warmup: int) -> float:
        # step index `warmup - 1` ends the warm-up; count what follows it
        t0, n0 = self.times[warmup - 1], self.tokens[warmup - 1]
        return (self.tokens[-1] - n0) / (self.times[-1] - t0)


def versions() -> dict:
    import importlib.metadata as md

    import torch

    out = {"gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"}
    for name in ("torch", "transformers", "peft", "bitsandbytes", "trl", "accelerate", "liger-kernel"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = None
    return out


def peak_gib() -> float:
    import torch

    return torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else None


# ------------------------------------------------------------------------------------------
# Seed and peer: plain loops that do what WORKLOAD.md says the two recipes do


def run_plain(variant: str, args) -> dict:
    import random

    import torch
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    examples = make_examples(args.vocab, args.data)
    total_steps = args.warmup + args.steps
    rng = random.Random(0)
    if variant == "seed":
        # trl sft.py --load_in_4bit --use_peft --batch_size 1 --gradient_accumulation_steps 2
        quant = BitsAndBytesConfig(load_in_4bit=True)  # fp4, fp32 compute
        micro, accum, autocast = 1, 2, False
        lora = LoraConfig(r=64, lora_alpha=16, lora_dropout=0.05, target_modules=["q_proj", "v_proj"], bias="none",
                          task_type="CAUSAL_LM")
    else:
        from liger_kernel.transformers import apply_liger_kernel_to_llama

        apply_liger_kernel_to_llama(rope=True, rms_norm=True, swiglu=True, cross_entropy=False,
                                    fused_linear_cross_entropy=True)
        quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                   bnb_4bit_compute_dtype=torch.bfloat16, bnb_4bit_use_double_quant=True)
        micro, accum, autocast = args.peer_micro_batch, 1, True
        lora = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear", bias="none",
                          task_type="CAUSAL_LM")
    model = AutoModelForCausalLM.from_pretrained(args.model_dir, quantization_config=quant,
                                                 device_map={"": 0}, attn_implementation="sdpa")
    if variant == "seed":
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    else:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=True,
                                                gradient_checkpointing_kwargs={"use_reentrant": False})
    model = get_peft_model(model, lora)
    model.train()  # from_pretrained leaves eval mode, where checkpointing is silently skipped
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr)

    def batches():
        while True:
            if variant == "seed":
                order = list(range(len(examples)))
                rng.shuffle(order)
                chunks = [order[i:i + micro] for i in range(0, len(order), micro)]
            else:  # length-grouped: sort by length, chunk, shuffle the chunks
                order = sorted(range(len(examples)), key=lambda i: len(examples[i]))
                chunks = [order[i:i + micro] for i in range(0, len(order), micro)]
                rng.shuffle(chunks)
            yield from chunks

    meter, it = Meter(), batches()
    for _ in range(total_steps):
        step_loss = 0.0
        for _ in range(accum):
            idx = next(it)
            longest = max(len(examples[i]) for i in idx)
            ids = torch.zeros(len(idx), longest, dtype=torch.long)
            mask = torch.zeros(len(idx), longest, dtype=torch.long)
            for row, i in enumerate(idx):
                ids[row, : len(examples[i])] = torch.tensor(examples[i])
                mask[row, : len(examples[i])] = 1
            labels = ids.masked_fill(mask == 0, -100)
            ids, mask, labels = ids.cuda(), mask.cuda(), labels.cuda()
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=autocast):
                loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            (loss / accum).backward()
            step_loss += loss.detach() / accum
            meter.seen += int(sum(len(examples[i]) for i in idx))
        opt.step()
        opt.zero_grad(set_to_none=True)
        meter.step_end(step_loss)
    batching = ({"micro_batch": micro, "grad_accum": accum, "packing": "none", "padding": "per micro-batch",
                 "grouping": "random" if variant == "seed" else "length-grouped"})
    return {"tokens_per_s": meter.tokens_per_s(args.warmup), "meter": meter, "batching": batching,
            "features": ["fp4_fp32_compute"] if variant == "seed" else
            ["nf4_double_quant", "liger_rope_rmsnorm_swiglu_flce", "gradient_checkpointing", "bf16_autocast"]}


# ------------------------------------------------------------------------------------------
# The project's path: training/fastpath.py through trl's SFTTrainer


def run_project(variant: str, args) -> dict:
    import torch
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import SFTConfig, SFTTrainer

    from training import fastpath

    mode = {"project-qlora": "qlora", "project-lora-bf16": "lora-bf16", "project-lora-cpu": "lora-cpu"}[variant]
    attn = {"varlen": None, "sdpa": "sdpa"}[args.attn]
    model, tok = fastpath.load_model_for_training(args.model_dir, mode, attn_implementation=attn)
    examples = make_examples(args.vocab, args.data)
    # Pre-tokenized: `input_ids` skips trl's tokenisation; no completion_mask = loss on every token
    dataset = Dataset.from_dict({"input_ids": examples})
    meter = Meter()
    embed = model.get_input_embeddings()

    def count_tokens(_module, inputs):
        meter.seen += inputs[0].numel()  # padding-free: one row of real tokens, nothing padded

    embed.register_forward_pre_hook(count_tokens)

    class StepTimer(TrainerCallback):
        def on_step_end(self, *_a, **_k):
            meter.step_end()

    sft_kwargs = fastpath.sft_config_kwargs(mode, max_length=MAX_LEN, micro_batch_tokens=args.micro_batch_tokens)
    config = SFTConfig(
        output_dir=str(Path(args.workdir) / variant),
        learning_rate=args.lr,
        max_steps=args.warmup + args.steps,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        lr_scheduler_type="constant",
        dataloader_drop_last=False,
        **sft_kwargs,
    )
    trainer = SFTTrainer(
        model=model, args=config, train_dataset=dataset, processing_class=tok,
        peft_config=fastpath.lora_config(mode, r=16, alpha=32, dropout=0.0, target_modules="all-linear"),
        callbacks=[StepTimer()],
    )
    trainer.train()
    meter.losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    batching = {"micro_batch_tokens": sft_kwargs["per_device_train_batch_size"] * MAX_LEN,
                "bins_per_micro_batch": sft_kwargs["per_device_train_batch_size"], "bin_tokens": MAX_LEN,
                "grad_accum": 1, "packing": "bfd padding-free (one flattened row)",
                "mean_tokens_per_step": (meter.tokens[-1] - meter.tokens[0]) / max(1, len(meter.tokens) - 1)}
    return {"tokens_per_s": meter.tokens_per_s(args.warmup), "meter": meter, "batching": batching,
            "features": model.medrouter_fastpath["applied"] + ["trl_fused_lm_head", "bf16" if
                                                               config.bf16 else "fp32"]}


def child(variant: str, args) -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    t0 = time.time()
    result = (run_plain if variant in ("seed", "peer") else run_project)(variant, args)
    meter = result.pop("meter")
    losses = meter.losses
    row = {
        "variant": variant + (f"-{args.attn}" if args.attn != "varlen" else ""),
        "tokens_per_s": round(result["tokens_per_s"], 1),
        "peak_gib": round(peak_gib(), 2) if peak_gib() is not None else None,
        "batching": result["batching"],
        "features": result["features"],
        "data": args.data,
        "optimizer_steps": len(meter.times),
        "warmup_steps": args.warmup,
        "tokens_measured": meter.tokens[-1] - meter.tokens[args.warmup - 1],
        "final_loss": round(losses[-1], 4) if losses else None,
        "first_loss": round(losses[0], 4) if losses else None,
        "losses": [round(x, 4) for x in losses],
        "tokens_seen": meter.tokens,
        "wall_s": round(time.time() - t0, 1),
        **versions(),
    }
    print("RESULT " + json.dumps(row), flush=True)


# ------------------------------------------------------------------------------------------
# Parent: one process per variant


def check_attention() -> None:
    """varlen attention (fwd and bwd) against causal SDPA per example, bf16 on the GPU."""
    import torch

    from training import fastpath

    torch.manual_seed(0)
    lens = [37, 512, 5, 260, 130]
    cu = torch.tensor([0, *torch.tensor(lens).cumsum(0).tolist()], dtype=torch.int32, device="cuda")
    q, k, v = (torch.randn(1, 32, sum(lens), 128, device="cuda", dtype=torch.bfloat16, requires_grad=True)
               for _ in range(3))
    out, _ = fastpath.varlen_attention_forward(None, q, k, v, None, scaling=128**-0.5, cu_seq_lens_q=cu,
                                               max_length_q=max(lens))
    grads = torch.autograd.grad(out.float().square().sum(), (q, k, v))
    qr, kr, vr = (t.detach().double().requires_grad_() for t in (q, k, v))
    ref = fastpath._per_segment_sdpa(qr, kr, vr, cu, 128**-0.5).transpose(1, 2)
    ref_grads = torch.autograd.grad(ref.square().sum(), (qr, kr, vr))
    rel = lambda a, b: float((a.detach().double() - b.detach()).norm() / b.detach().norm())
    print(f"varlen kernel={fastpath._varlen_kernel() is not None} out rel err {rel(out, ref):.2e} "
          f"grad rel err {max(rel(g, r) for g, r in zip(grads, ref_grads)):.2e}", flush=True)


def compute_limit(gpu_peak=DENSE_BF16_PEAK) -> dict:
    return {"with_checkpointing_tokens_per_s": round(gpu_peak / (6 * N_PARAMS_7B)),
            "without_checkpointing_tokens_per_s": round(gpu_peak / (4 * N_PARAMS_7B))}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--out", default=None, help="append the JSON lines here")
    p.add_argument("--model-dir", default=None, help="default: /dev/shm (or /tmp) llama7b-random")
    p.add_argument("--workdir", default="/tmp/train_throughput")
    p.add_argument("--warmup", type=int, default=4)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--data", choices=("random", "learnable"), default="random")
    p.add_argument("--attn", choices=("varlen", "sdpa"), default="varlen", help="project variants only")
    p.add_argument("--micro-batch-tokens", type=int, default=None, help="project variants; default: the mode's")
    p.add_argument("--peer-micro-batch", type=int, default=32)
    p.add_argument("--timeout", type=int, default=900, help="seconds per variant")
    # model shape (defaults: WORKLOAD.md's Llama-2-7B shape)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--hidden", type=int, default=4096)
    p.add_argument("--intermediate", type=int, default=11008)
    p.add_argument("--layers", type=int, default=32)
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    p.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--check-attention", action="store_true", help="check varlen attention on the GPU and exit")
    args = p.parse_args()
    if args.check_attention:
        return check_attention()

    if args.model_dir is None:
        base = "/dev/shm" if shutil.disk_usage("/dev/shm").free > 40 * 2**30 else "/tmp"
        args.model_dir = f"{base}/llama-{args.layers}x{args.hidden}-random"
    if args.build:
        return build_model(args)
    if args.child:
        return child(args.child, args)

    passthrough = [a for a in sys.argv[1:]]
    if not (Path(args.model_dir) / "config.json").exists():
        t0 = time.time()
        subprocess.run([sys.executable, __file__, *passthrough, "--model-dir", args.model_dir, "--build"], check=True)
        print(f"# built {args.model_dir} in {time.time() - t0:.0f}s", file=sys.stderr, flush=True)

    rows = []
    for variant in args.variants.split(","):
        cmd = [sys.executable, __file__, *passthrough, "--model-dir", args.model_dir, "--child", variant]
        t0 = time.time()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
            out, err, rc = proc.stdout, proc.stderr, proc.returncode
        except subprocess.TimeoutExpired as exc:
            out, err, rc = exc.stdout or "", (exc.stderr or "") + "\nTIMEOUT", -1
            out = out.decode() if isinstance(out, bytes) else out
            err = err.decode() if isinstance(err, bytes) else err
        found = [line[7:] for line in out.splitlines() if line.startswith("RESULT ")]
        if found:
            row = json.loads(found[-1])
        else:
            tail = "\n".join(err.strip().splitlines()[-25:])
            row = {"variant": variant, "error": f"rc={rc}", "stderr_tail": tail}
            print(f"# {variant} failed (rc={rc}) after {time.time() - t0:.0f}s:\n{tail}", file=sys.stderr, flush=True)
        rows.append(row)
    by_name = {r["variant"]: r for r in rows}
    seed, peer = by_name.get("seed", {}).get("tokens_per_s"), by_name.get("peer", {}).get("tokens_per_s")
    for r in rows:
        tps = r.get("tokens_per_s")
        r["ratio_to_seed"] = round(tps / seed, 2) if tps and seed else None
        r["ratio_to_peer"] = round(tps / peer, 2) if tps and peer else None
        if tps and args.layers == 32 and args.hidden == 4096:
            limit = compute_limit()
            ckpt = "gradient_checkpointing" in r.get("features", [])
            key = "with_checkpointing_tokens_per_s" if ckpt else "without_checkpointing_tokens_per_s"
            r["compute_limit_tokens_per_s"] = limit[key]
            r["fraction_of_compute_limit"] = round(tps / limit[key], 3)
        r["workload"] = ("WORKLOAD.md" if (args.layers, args.hidden, args.vocab) == (32, 4096, 32000)
                         else f"reduced: {args.layers} layers, hidden {args.hidden}")
    lines = [json.dumps(r) for r in rows]
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        with open(args.out, "a") as f:
            f.write("".join(line + "\n" for line in lines))
    for line in lines:
        print(line)
    print(f"{'variant':24} {'tok/s':>9} {'x seed':>7} {'x peer':>7} {'peak GiB':>8} {'loss':>7}")
    for r in rows:
        print(f"{r['variant']:24} {r.get('tokens_per_s', 0) or 0:9.0f} {r['ratio_to_seed'] or 0:7.2f} "
              f"{r['ratio_to_peer'] or 0:7.2f} {r.get('peak_gib', 0) or 0:8.2f} {r.get('final_loss') or 0:7.3f}")


if __name__ == "__main__":
    main()
