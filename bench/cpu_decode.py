"""Single-stream CPU generation speed of the embedded expert, per way of running the base model.

One run, one JSON object. Every variant is the real embedded base (SmolLM2-135M-Instruct from its
GGUF) with a real expert adapter (adapters/medical_qa) active through experts/fastlora.py, and is
measured the way the serving loop drives it: one prefill, then one plain `model(...)` forward per
token (greedy), exactly `--new-tokens` tokens. Variants, measured interleaved (round-robin, median
of `--repeats`) so a busy machine slows them all alike:
  fp32             the old default: fp32 weights, transformers eager, DynamicCache
  bf16             the whole model in bf16 (this CPU's AMX/AVX512-BF16)
  int4_f32         the decoder's Linear layers as packed int4 groups of 32 (medrouter/core/int4.py):
                   exactly the GGUF's Q4_1 weights, their matmuls fed bf16; everything else fp32: the
                   new default (base_model.quantization: auto on a CPU with native bf16)
  int4_f32_head8   + the output projection's int8 decode copy (Int8Head; lossy: not the default)
  int4_head8       int4 + int8 head with the rest of the model in bf16 too
  fp32_generate    the old default through HF generate (what ExpertPool._run calls), prefill included
  engine_fp32      fp32 weights, prefill by the model's forward into the scheduler's growing cache, then
                   experts/cpu_engine.py's lean decode step under torch.compile (what the scheduler runs
                   for a lone row with serve.cpu_decode: compiled); its Q8_0 head as int8 groups
  engine_int4_f32  the same on the int4_f32 model (base_model.quantization: auto)
  engine_int4_f32_eager  the int4 engine step without torch.compile (serve.cpu_decode: eager)
and llama.cpp (llama-cpp-python) on the same GGUF file in the same run when it is importable (no
LoRA there: the base alone, which flatters it slightly).

Per variant: decode tokens/s, prefill seconds and tokens/s for a ~600-token prompt (a summarization
request over two reference library pages), load (+ compile) seconds, and agreement with fp32 on greedy answers to
`--agree-prompts` expert prompts written for this bench (AGREE: no evaluation or routing split), each on its own expert's adapter: the rate of identical answers and
the mean share of each answer's tokens before the first difference.

  python bench/cpu_decode.py --threads 2 --out bench/results/cpu_decode.json
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402

EXPERTS = ("medical_qa", "advice", "summarization")
VARIANTS = ["fp32", "bf16", "int4_f32", "int4_f32_head8", "int4_head8", "fp32_generate", "engine_fp32",
            "engine_int4_f32", "engine_int4_f32_eager"]


def build(variant: str, folder: Path, adapter: Path, max_len: int):
    """(peft model, FastLoRA, decoder or None, load seconds) for one variant (decoder: the engine_*
    variants' own decode loop, EngineGreedy)."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from experts.fastlora import FastLoRA
    from medrouter.core.int4 import quantize_head, quantize_linears

    engine = variant.startswith("engine_")
    if engine:
        variant = variant[len("engine_"):]
    compiled = not variant.endswith("_eager")
    variant = variant.removesuffix("_eager")
    t0 = time.perf_counter()
    # int4*_f32: the model (residual stream, norms, attention, LoRA) stays fp32, only the int4/int8
    # matmuls take bf16 inputs; the other int4 variants run the whole model in bf16
    dtype = torch.float32 if variant.startswith("fp32") or "_f32" in variant else torch.bfloat16
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32)
    if variant.startswith("int4"):
        quantize_linears(model, torch.bfloat16)
        if "head8" in variant:
            quantize_head(model, torch.bfloat16)
    if dtype != torch.float32:
        model.to(dtype)
    model.eval()
    pm = PeftModel.from_pretrained(model, str(adapter), adapter_name="expert", is_trainable=False).eval()
    names = ["expert"]
    for e in EXPERTS:  # each expert's own adapter too, for the agreement prompts
        if (ROOT / "adapters" / e).is_dir():
            pm.load_adapter(str(ROOT / "adapters" / e), adapter_name=e, is_trainable=False)
            names.append(e)
    pm.eval()
    fast = FastLoRA(pm)
    fast.rebuild(names)
    fast.set_rows(["expert"])
    decoder = None
    if engine:
        from experts.cpu_engine import CpuDecoder

        decoder = EngineGreedy(pm, fast, CpuDecoder(pm, fast, compile=compiled))
    return pm, fast, decoder, time.perf_counter() - t0


class EngineGreedy:
    """The scheduler's lone-row path: prefill through the model's forward into the scheduler's growing
    cache, then one CpuDecoder.step per token."""

    def __init__(self, model, fast, dec):
        self.model, self.fast, self.dec = model, fast, dec
        self.adapter = "expert"

    @torch.inference_mode()
    def greedy(self, ids: torch.Tensor, n: int, force: list[int] | None = None):
        from experts.scheduler import _growing_cache

        cache = _growing_cache(self.model.config)
        t0 = time.perf_counter()
        out = self.model(input_ids=ids, attention_mask=torch.ones_like(ids), past_key_values=cache, use_cache=True,
                         logits_to_keep=1)
        tok = out.logits[:, -1].argmax(-1)
        t1 = time.perf_counter()
        toks, mask, pos = [int(tok)], torch.ones_like(ids), torch.tensor([ids.shape[1]])
        for i in range(n - 1):
            if force is not None:
                tok = torch.tensor([force[i]])
            mask = torch.cat([mask, mask[:, :1]], 1)
            tok = self.dec.step(tok, pos, mask, cache, self.adapter).argmax(-1)
            pos = pos + 1
            toks.append(int(tok))
        return toks, t1 - t0, time.perf_counter() - t1


@torch.inference_mode()
def eager_greedy(model, ids: torch.Tensor, n: int, force: list[int] | None = None
                 ) -> tuple[list[int], float, float]:
    """Prefill + n greedy tokens through plain forwards and a DynamicCache (the scheduler's loop).
    Returns (tokens, prefill s, decode s). With `force`, those tokens are fed instead of the argmax
    (teacher forcing) and the argmax at each step is returned."""
    from transformers import DynamicCache

    cache = DynamicCache(config=model.config)
    t0 = time.perf_counter()
    out = model(input_ids=ids, attention_mask=torch.ones_like(ids), past_key_values=cache, use_cache=True)
    tok = out.logits[:, -1].argmax(-1, keepdim=True)
    t1 = time.perf_counter()
    toks, length = [int(tok)], ids.shape[1]
    for i in range(n - 1):
        if force is not None:
            tok = torch.tensor([[force[i]]])
        length += 1
        out = model(input_ids=tok, attention_mask=torch.ones(1, length, dtype=torch.long),
                    position_ids=torch.tensor([[length - 1]]), past_key_values=cache, use_cache=True)
        tok = out.logits[:, -1].argmax(-1, keepdim=True)
        toks.append(int(tok))
    return toks, t1 - t0, time.perf_counter() - t1


def hf_generate(model, ids: torch.Tensor, n: int) -> tuple[list[int], float, float]:
    t0 = time.perf_counter()
    with torch.inference_mode():
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=n,
                             min_new_tokens=n, do_sample=False, temperature=None, top_p=None, top_k=None,
                             pad_token_id=0)
    return out[0, ids.shape[1]:].tolist(), 0.0, time.perf_counter() - t0


def run_variant(variant: str, built, ids: torch.Tensor, n: int, force: list[int] | None = None,
                adapter: str = "expert"):
    model, fast, decoder, _ = built
    fast.set_rows([adapter if adapter in fast.slots else "expert"])
    if decoder is not None:
        decoder.adapter = adapter if adapter in fast.slots else "expert"
    if variant == "fp32_generate":
        return hf_generate(model, ids, n)
    if decoder is not None:
        return decoder.greedy(ids, n, force=force)
    return eager_greedy(model, ids, n, force=force)


# Agreement prompts: written for this bench (none from an evaluation or routing split), one per line,
# expert:request; the three experts the scheduler serves on their own adapters.
AGREE = """medical_qa:What is hypertension and how is it treated?
medical_qa:How does metformin lower blood sugar?
medical_qa:What are the early signs of a stroke?
medical_qa:Can you take ibuprofen with high blood pressure?
medical_qa:What does an HbA1c test measure?
medical_qa:What is the difference between a virus and a bacterial infection?
medical_qa:Why do statins sometimes cause muscle pain?
medical_qa:What causes iron deficiency anaemia?
medical_qa:How is asthma different from COPD?
medical_qa:What is atrial fibrillation?
advice:My blood pressure was 150/95 at the pharmacy. What should I do?
advice:I keep waking up at night to pass urine. Should I see someone?
advice:How can I lower my cholesterol without medicine?
advice:My child has had a fever of 38.5 for two days. What should I watch for?
advice:I was told to weigh myself every morning for heart failure. Why?
summarization:Summarize: Clinic letter. 45-year-old man with knee pain after running. Mild effusion, full range of movement. Plan: rest, ice, physiotherapy, review in six weeks.
summarization:Summarize: Haemoglobin 10.9 g/dL (low), ferritin 8 ug/L (low), MCV 74 fL (low). Comment: consistent with iron deficiency.
summarization:Summarize: Echocardiogram. Ejection fraction 45 %, mild mitral regurgitation, no pericardial effusion. Function improved since 2021.
summarization:Summarize: Discharge letter. 67-year-old woman with community-acquired pneumonia, amoxicillin for five days, oxygen weaned on day three, chest X-ray in six weeks.
summarization:Summarize: HbA1c 64 mmol/mol, up from 58. eGFR 72. Plan: add a second agent, recheck in three months."""
# the long prompt's report: reference library pages (public text the library ships), not a blind document
LONG_DOC = ("data/reference/pages/condition/heart-failure.md", "data/reference/pages/condition/hypertension.md")


def prompts(tokenizer, settings, n_agree: int, prompt_tokens: int):
    """(short decode prompt, ~prompt_tokens summarization prompt, agreement prompts) as id tensors;
    agreement prompts as (expert, ids)."""
    qa = settings.expert("medical_qa")

    def chat(system: str, user: str) -> torch.Tensor:
        ids = tokenizer.apply_chat_template([{"role": "system", "content": system}, {"role": "user", "content": user}],
                                            add_generation_prompt=True, tokenize=True)
        ids = ids["input_ids"] if hasattr(ids, "keys") else ids
        return torch.tensor([list(ids)])

    rows = [ln.split(":", 1) for ln in AGREE.splitlines()]
    agree = [(e, chat(settings.expert(e).system_prompt, q)) for e, q in rows[:n_agree]]
    decode = chat(qa.system_prompt, "What is hypertension and how is it treated?")
    summ = settings.expert("summarization")
    doc = "\n\n".join((ROOT / p).read_text(encoding="utf-8") for p in LONG_DOC)
    doc_ids = tokenizer(doc, add_special_tokens=False)["input_ids"]
    base = chat(summ.system_prompt, "Summarize this report:\n\n").shape[1]
    text = tokenizer.decode(doc_ids[:max(16, prompt_tokens - base)])
    return decode, chat(summ.system_prompt, "Summarize this report:\n\n" + text), agree


def _refusal_rate(settings, tok, agree_ids, ref, got) -> dict:
    """How many of the (in-scope) agreement prompts each side answers with the out-of-scope refusal."""
    try:
        from medrouter.app.assistant import without_refusal  # noqa: F401
        from bench.declines import is_refusal
    except Exception:  # noqa: BLE001
        return {}
    r = settings.out_of_scope_reply
    return {"fp32": sum(is_refusal(tok.decode(a, skip_special_tokens=True), r) for a in ref),
            "variant": sum(is_refusal(tok.decode(b, skip_special_tokens=True), r) for b in got),
            "prompts": len(ref)}


def agreement(ref: list[list[int]], got: list[list[int]], forced: list[list[int]]) -> dict:
    """identical_rate: answers identical to fp32's; mean_prefix_agreement: share of each answer before
    the first different token; forced_token_agreement: fed fp32's answer token by token, how often the
    variant's next-token argmax is fp32's (free-running answers diverge for good at the first near-tie,
    this counts every position)."""
    same, prefix = 0, []
    for a, b in zip(ref, got):
        k = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        same += a == b
        prefix.append(k / max(1, len(a)))
    hits = sum(x == y for a, f in zip(ref, forced) for x, y in zip(a, f))
    return {"identical_rate": round(same / len(ref), 3), "mean_prefix_agreement": round(statistics.mean(prefix), 3),
            "forced_token_agreement": round(hits / sum(len(a) for a in ref), 4), "prompts": len(ref)}


def llama_cpp_worker(spec: str) -> int:
    """`--llama-cpp-worker JSON`: one round of llama.cpp timings in this (child) process, as JSON.

    A child process, so llama.cpp's OpenMP pool and torch's do not fight, and a crash in the native
    library is reported instead of ending the run. `use_extra_bufts` is off: this wheel's AMX matmul
    (ggml_backend_amx_mul_mat) segfaults on this model on this CPU; llama.cpp's plain AVX-512 Q4_1 path
    runs instead."""
    import llama_cpp
    import numpy as np
    from llama_cpp import llama as ll

    a = json.loads(spec)
    default_params = ll.llama_cpp.llama_model_default_params

    def params():
        p = default_params()
        p.use_extra_bufts = a["extra_bufts"]
        return p

    ll.llama_cpp.llama_model_default_params = params
    t0 = time.perf_counter()
    llm = llama_cpp.Llama(model_path=a["gguf"], n_ctx=2048, n_threads=a["threads"], n_threads_batch=a["threads"],
                          n_batch=1024, verbose=False)
    load = time.perf_counter() - t0

    def once(ids, k):
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(ids)
        t1 = time.perf_counter()
        for _ in range(k):
            llm.eval([int(np.argmax(llm.scores[llm.n_tokens - 1]))])
        return t1 - t0, time.perf_counter() - t1

    once(a["decode_ids"], 8)  # warm-up
    _, dec = once(a["decode_ids"], a["n"])
    pre, _ = once(a["long_ids"], 0)
    print(json.dumps({"load_s": load, "decode_s": dec, "prefill_s": pre, "version": llama_cpp.__version__}))
    return 0


def llama_cpp_round(gguf: Path, threads: int, decode_ids, long_ids, n: int) -> dict:
    """One llama.cpp round in a child process: {load_s, decode_s, prefill_s} or {skipped: why}."""
    import importlib.util
    import subprocess

    if importlib.util.find_spec("llama_cpp") is None:
        return {"skipped": "llama_cpp is not importable (pip install llama-cpp-python)"}
    spec = json.dumps({"gguf": str(gguf), "threads": threads, "decode_ids": decode_ids[0].tolist(),
                       "long_ids": long_ids[0].tolist(), "n": n, "extra_bufts": False})
    p = subprocess.run([sys.executable, __file__, "--llama-cpp-worker", spec], capture_output=True, text=True,
                       timeout=600)
    if p.returncode != 0:
        return {"skipped": f"llama.cpp child exited with {p.returncode}: {p.stderr.strip()[-300:]}"}
    return json.loads(p.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--prompt-tokens", type=int, default=600)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--agree-prompts", type=int, default=20)
    ap.add_argument("--agree-tokens", type=int, default=48)
    ap.add_argument("--adapter", default="adapters/medical_qa")
    ap.add_argument("--config", default=None)
    ap.add_argument("--no-llama-cpp", action="store_true")
    ap.add_argument("--out", default=None, help="write the JSON object to this file")
    ap.add_argument("--llama-cpp-worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.llama_cpp_worker:
        return llama_cpp_worker(args.llama_cpp_worker)
    torch.set_num_threads(args.threads)

    from transformers import AutoTokenizer

    from medrouter.core.config import load_config
    from medrouter.core.int4 import native_bf16
    from medrouter.core.models import embedded_path, resolve_lm_path

    settings = load_config(args.config)
    gguf = embedded_path("embedded:smollm2-135m-instruct")
    folder = resolve_lm_path("embedded:smollm2-135m-instruct", cache_dir=settings.cache_dir)
    tok = AutoTokenizer.from_pretrained(str(folder))
    decode_ids, long_ids, agree_ids = prompts(tok, settings, args.agree_prompts, args.prompt_tokens)
    variants = [v for v in args.variants.split(",") if v]
    n = args.new_tokens
    result: dict = {
        "machine": {"cpu": platform.processor() or platform.machine(), "threads": args.threads,
                    "native_bf16": native_bf16(), "torch": torch.__version__,
                    "transformers": __import__("transformers").__version__},
        "new_tokens": n, "decode_prompt_tokens": int(decode_ids.shape[1]),
        "prefill_prompt_tokens": int(long_ids.shape[1]), "repeats": args.repeats, "adapter": args.adapter,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "variants": {},
    }
    built, times = {}, {}
    for v in variants:
        try:
            built[v] = build(v, folder, ROOT / args.adapter, max_len=long_ids.shape[1] + n + 8)
            t0 = time.perf_counter()
            # warm-up; an engine variant compiles here, once per cache bucket the timed runs will use
            run_variant(v, built[v], decode_ids, n if built[v][2] is not None else 8)
            first = time.perf_counter() - t0
            result["variants"][v] = {"load_s": round(built[v][3], 2), "first_call_s": round(first, 2)}
            if built[v][2] is not None:  # compile seconds per cache bucket (the first step that used it)
                dec = built[v][2].dec
                result["variants"][v].update(compiled=dec.compiled, compile_s=dec.compile_s,
                                             q8_head=dec.head_q8 is not None, compile_error=dec.compile_error)
            times[v] = {"decode": [], "prefill": []}
            print(f"{v}: load {built[v][3]:.1f} s, first call {first:.1f} s", file=sys.stderr)
        except Exception as exc:  # noqa: BLE001 - report and go on with the others
            result["variants"][v] = {"error": repr(exc)[:500]}
            print(f"{v}: {exc!r}"[:2000], file=sys.stderr)
    lc = None
    if not args.no_llama_cpp:
        lc = llama_cpp_round(gguf, args.threads, decode_ids, long_ids, 8)  # import + crash check
        if "skipped" not in lc:
            times["llama_cpp"] = {"decode": [], "prefill": []}
    for r in range(args.repeats):  # interleaved
        for v in list(times):
            if v == "llama_cpp":
                lc = llama_cpp_round(gguf, args.threads, decode_ids, long_ids, n)
                if "skipped" in lc:
                    raise RuntimeError(lc["skipped"])
                dec, pre = lc["decode_s"], lc["prefill_s"]
            else:
                _, _, dec = run_variant(v, built[v], decode_ids, n)
                pre = run_variant(v, built[v], long_ids, 1)[1] if v != "fp32_generate" else None
            times[v]["decode"].append(dec)
            times[v]["prefill"].append(pre)
            print(f"repeat {r}: {v} decode {n / dec:.1f} tokens/s" + (f", prefill {pre:.2f} s" if pre else ""),
                  file=sys.stderr)
    plen = int(long_ids.shape[1])
    for v, t in times.items():
        row = result["variants"].setdefault(v, {})
        row["decode_tokens_per_s"] = round(n / statistics.median(t["decode"]), 1)
        row["decode_tokens_per_s_each"] = [round(n / x, 1) for x in t["decode"]]
        row["decode_tokens_per_s_best"] = round(n / min(t["decode"]), 1)  # the least disturbed repeat
        if t["prefill"][0] is not None:
            p = statistics.median(t["prefill"])
            row["prefill_s"], row["prefill_tokens_per_s"] = round(p, 3), round(plen / p, 1)
            row["prefill_s_best"] = round(min(t["prefill"]), 3)
    if lc is not None:
        if "skipped" in lc:
            result["variants"]["llama_cpp"] = {"skipped": lc["skipped"]}
        else:
            result["variants"]["llama_cpp"].update(
                load_s=round(lc["load_s"], 2), version=lc["version"],
                note="base model only (no LoRA), same GGUF file, child process, use_extra_bufts off (AMX crashes)")
    # agreement with fp32 (greedy; the eager loop, so HF generate's own processors play no part)
    if "fp32" in built:
        ref = [run_variant("fp32", built["fp32"], ids, args.agree_tokens, adapter=e)[0] for e, ids in agree_ids]
        for v in built:
            if v in ("fp32", "fp32_generate"):
                continue
            got = [run_variant(v, built[v], ids, args.agree_tokens, adapter=e)[0] for e, ids in agree_ids]
            forced = [run_variant(v, built[v], ids, args.agree_tokens, force=r, adapter=e)[0]
                      for (e, ids), r in zip(agree_ids, ref)]
            result["variants"][v]["agreement_per_expert"] = {
                e: agreement([r for (x, _), r in zip(agree_ids, ref) if x == e],
                             [g for (x, _), g in zip(agree_ids, got) if x == e],
                             [f for (x, _), f in zip(agree_ids, forced) if x == e]) for e in EXPERTS}
            refusal = _refusal_rate(settings, tok, agree_ids, ref, got)
            if refusal:
                result["variants"][v]["refusals"] = refusal
            result["variants"][v]["agreement_vs_fp32"] = agreement(ref, got, forced)
            if v == variants[1] or v == "int4":
                result["variants"][v]["sample"] = {"fp32": tok.decode(ref[0]), v: tok.decode(got[0])}
    lcd = result["variants"].get("llama_cpp", {}).get("decode_tokens_per_s")
    if lcd:
        for v, row in result["variants"].items():
            if "decode_tokens_per_s" in row and v != "llama_cpp":
                row["decode_vs_llama_cpp"] = round(row["decode_tokens_per_s"] / lcd, 3)
                row["decode_vs_llama_cpp_best"] = round(
                    row["decode_tokens_per_s_best"] / result["variants"]["llama_cpp"]["decode_tokens_per_s_best"], 3)
    base = result["variants"].get("fp32", {}).get("decode_tokens_per_s")
    if base:
        for row in result["variants"].values():
            if "decode_tokens_per_s" in row:
                row["decode_vs_fp32"] = round(row["decode_tokens_per_s"] / base, 2)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
