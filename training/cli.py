"""Training subcommands: `train` and `eval expert`. Thin: parse, call training.*, print."""
from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from medrouter.core.cli import add_config_arg, emit, eval_subparsers
from medrouter.core.errors import UsageError


def cmd_train(args) -> int:
    import logging

    from .config import config_for_expert, load_train_config
    from .trainer import train

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if bool(args.config_file) == bool(args.expert):
        raise UsageError("give a training CONFIG file or --expert NAME (one of them)")
    path = Path(args.config_file) if args.config_file else config_for_expert(args.expert)
    if args.num_gpus is not None and args.num_gpus > 1:
        return _launch_multi_gpu(args, path)
    cfg = load_train_config(path)
    if args.config:
        cfg.experts_config = str(Path(args.config).resolve())
    if args.output:
        cfg.output_dir = str(Path(args.output).resolve())
    if args.threads:
        cfg.training.cpu_threads = args.threads
    if args.max_steps is not None:
        cfg.training.max_steps = args.max_steps
    if args.mode:
        cfg.mode = args.mode
        cfg.quantization = "nf4" if args.mode == "qlora" else ("none" if args.mode != "auto" else cfg.quantization)
    merge_dir = None
    if args.merge is not None:
        merge_dir = args.merge or str(Path("artifacts/merged") / cfg.expert)
    command = "medrouter " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[0].endswith("medrouter") \
        else "medrouter train " + str(path)
    report = train(cfg, resume=args.resume, merge_dir=merge_dir, command=command)
    report["output_dir"] = cfg.resolve(cfg.output_dir)
    emit(report, args.json,
         f"adapter: {report['output_dir']}\n"
         f"  {report['examples']} examples, {report['steps']} steps, loss {report['first_loss']} -> {report['last_loss']}, "
         f"{report['tokens_per_s']} tokens/s ({report['mode']})"
         + (f"\nmerged model: {report['merged']}" if report.get("merged") else ""))
    return 0


def _launch_multi_gpu(args, path: Path) -> int:
    """`--num-gpus N`: the same trainer once per GPU through accelerate (DDP or FSDP, training/launch.py)."""
    from .launch import main as launch_main

    if args.merge is not None:
        raise UsageError("--merge runs in one process: train with --num-gpus, then merge without it")
    forward: list[str] = []
    for flag, value in (("--output", args.output), ("--max-steps", args.max_steps), ("--mode", args.mode),
                        ("--threads", args.threads), ("--config", args.config)):
        if value is not None:
            forward += [flag, str(value)]
    if args.resume:
        forward.append("--resume")
    launch = [str(path), "--num-gpus", str(args.num_gpus)]
    if args.strategy:
        launch += ["--strategy", args.strategy]
    if args.dry_run:
        launch.append("--dry-run")
    return launch_main(launch + forward)


def cmd_eval_expert(args) -> int:
    from medrouter.core.config import load_config

    from .evaluate import evaluate_expert

    from .config import CONFIG_DIR, REPO_ROOT, load_train_config

    settings = load_config(args.config)
    settings.expert(args.name)
    # Defaults from the expert's training config (held-out sources kept out of its training data).
    tc = CONFIG_DIR / f"{args.name}.yaml"
    ev = load_train_config(tc).eval if tc.is_file() else None
    files = {}
    if ev:
        for task, spec in ev.files.items():
            p = Path(spec.path)
            files[task] = spec.model_copy(update={"path": str(p if p.is_absolute() else REPO_ROOT / p)})
    held = args.held_out or (str(REPO_ROOT / ev.held_out_dir) if ev else "data/train/held_out")
    report = evaluate_expert(settings, args.name, adapter=args.adapter, held_out_dir=held, files=files,
                             max_per_task=args.max_per_task or (ev.max_per_task if ev else 12),
                             batch_size=args.batch_size,
                             with_base=not args.no_base, max_new_tokens=args.max_new_tokens,
                             progress=not args.json)
    if args.output:
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if args.update_card and report.get("adapter_path"):
        from .trainer import update_model_card

        update_model_card(Path(report["adapter_path"]), report, settings.expert(args.name))
    lines = [f"expert {report['expert']} ({report['task']}), adapter {report['adapter_path'] or '-'}"]
    for variant in ("base", "adapter"):
        if variant in report:
            r = report[variant]
            extra = ", ".join(f"{k} {v}" for k, v in r.items() if k in ("token_f1", "rouge_l", "citation_rate"))
            lines.append(f"  {variant:8s} runaway {r['runaway_rate']}  refusal(OOS) {r['refusal_rate']}  "
                         f"false refusal {r['false_refusal_rate']}  {extra}")
    emit(report, args.json, "\n".join(lines))
    return 0


def register(sub) -> None:
    p = sub.add_parser("train", help="train an expert adapter (multi-task SFT, LoRA/QLoRA)")
    p.add_argument("config_file", nargs="?", metavar="CONFIG", help="training YAML (training/configs/<expert>.yaml)")
    p.add_argument("--expert", help="train this expert with its shipped config (training/configs/NAME.yaml)")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint of an interrupted run")
    p.add_argument("--merge", nargs="?", const="", default=None, metavar="DIR",
                   help="also write the adapter merged into the base model (default artifacts/merged/<expert>)")
    p.add_argument("--output", help="adapter folder (overrides output_dir of the YAML)")
    p.add_argument("--max-steps", type=int, help="override training.max_steps (e.g. a quick check)")
    p.add_argument("--mode", choices=["auto", "qlora", "lora-bf16", "lora-cpu"], help="override mode of the YAML")
    p.add_argument("--threads", type=int, help="torch CPU threads (1 is faster when the cores are shared)")
    p.add_argument("--json", action="store_true", help="print the training report as JSON")
    p.add_argument("--num-gpus", type=int, help="N > 1: one process per GPU through accelerate (DDP, or FSDP when "
                                                 "the model does not fit one GPU); see training/launch.py")
    from .launch import STRATEGIES

    p.add_argument("--strategy", choices=["auto", *STRATEGIES], help="with --num-gpus: force DDP or FSDP")
    p.add_argument("--dry-run", action="store_true", help="with --num-gpus: print the accelerate command, run nothing")
    add_config_arg(p)
    p.set_defaults(func=cmd_train)

    ev = eval_subparsers(sub)
    p = ev.add_parser("expert", help="base vs adapter: refusal, runaway, ROUGE-L / token F1 on held-out data")
    p.add_argument("name", help="expert name from experts.yaml")
    p.add_argument("--adapter", help="evaluate this adapter folder instead of the configured one")
    p.add_argument("--held-out", help="held-out chat JSONL folder (<task>.jsonl); default from the expert's training config")
    p.add_argument("--max-per-task", type=int, help="held-out examples per task (in-scope and refusal; default 12)")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-new-tokens", type=int, help="override the expert's generation.max_new_tokens")
    p.add_argument("--no-base", action="store_true", help="skip the base-model comparison")
    p.add_argument("--output", help="also write the JSON report to this file (e.g. training/reports/NAME.json)")
    p.add_argument("--update-card", action="store_true", help="write the numbers into the adapter's model card")
    p.add_argument("--json", action="store_true")
    add_config_arg(p)
    p.set_defaults(func=cmd_eval_expert)
