"""The layer contract: an import runs only downwards (docs: STYLE.md, README "Layout").

    ui  >  medrouter.app (and the `medrouter` facade)  >  training  >  router | retrieval | experts  >  medrouter.core

router, retrieval and experts do not import each other: what they share (the embedding model, the
errors, the config) lives in medrouter.core. Every import counts, the ones inside functions too:
they are parsed from the source with ast, never executed. One exception, by design: the config
schema in medrouter.core composes each package's own section model (router/config.py,
experts/config.py, retrieval/config.py), and those section modules are held to importing nothing of
the project but medrouter.core.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["medrouter", "router", "retrieval", "experts", "training", "ui"]
LEAVES = {"router", "retrieval", "experts"}
RANK = {"core": 0, "router": 1, "retrieval": 1, "experts": 1, "training": 2, "app": 3, "ui": 4}
SECTION_MODELS = {"router.config", "experts.config", "retrieval.config"}


def layer_of(module: str) -> str | None:
    """The layer a project module belongs to; None for the standard library and third parties."""
    parts = module.split(".")
    if parts[0] == "medrouter":
        return "core" if parts[1:2] == ["core"] else "app"  # the bare `medrouter` re-exports the app
    return parts[0] if parts[0] in RANK else None


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, relative ones resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            out.append((node.lineno, target))
    return sorted(out)


def exists(module: str) -> bool:
    p = ROOT.joinpath(*module.split("."))
    return p.with_suffix(".py").is_file() or (p / "__init__.py").is_file()


def violations(files) -> list[str]:
    problems = []
    for path in files:
        here = module_name(path)
        mine = layer_of(here)
        for line, target in imports_of(path):
            theirs = layer_of(target)
            if theirs is None or theirs == mine:
                continue
            where = f"{path.relative_to(ROOT)}:{line}: imports {target}"
            if not exists(target):
                problems.append(f"{where}, which does not exist")
            elif here in SECTION_MODELS and theirs != "core":
                problems.append(f"{where}: a config section model imports only medrouter.core")
            elif mine == "core" and target in SECTION_MODELS:
                continue  # the one schema composes each package's section model
            elif mine in LEAVES and theirs in LEAVES:
                problems.append(f"{where}: {mine} and {theirs} are independent (share through medrouter.core)")
            elif RANK[theirs] > RANK[mine]:
                problems.append(f"{where}: {mine} is below {theirs} (imports run downwards only)")
    return problems


def project_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def test_every_import_runs_downwards():
    files = project_files()
    assert len(files) > 50  # the walk found the packages
    problems = violations(files)
    assert not problems, "layer contract broken:\n" + "\n".join(problems)


def test_the_checker_catches_an_upward_import(tmp_path, monkeypatch):
    # a planted file must fail the way a real one would: function-level imports count too
    plant = ROOT / "router" / "_planted_for_test.py"
    plant.write_text("def f():\n    from medrouter.app.assistant import Assistant\n    import retrieval.store\n")
    try:
        problems = violations([plant])
    finally:
        plant.unlink()
    assert problems == [
        "router/_planted_for_test.py:2: imports medrouter.app.assistant: router is below app (imports run downwards only)",
        "router/_planted_for_test.py:3: imports retrieval.store: router and retrieval are independent "
        "(share through medrouter.core)",
    ]


def test_import_router_loads_neither_the_app_nor_torch():
    code = ("import sys, router, retrieval, experts, medrouter.core.config; "
            "print(sorted(m for m in sys.modules if m.startswith('medrouter.app') or m in ('torch', 'transformers')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout
