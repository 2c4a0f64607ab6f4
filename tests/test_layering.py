"""Imports only point down the design card's list of layers (DESIGN.md)."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dlx"

# lowest first; a module may import from its own rank or below
RANKS = [
    {"errors", "registry", "config", "parallel", "threads", "buffers"},
    {"tensor", "gradients"},
    {"ops"},
    {"losses"},
    {"optim"},
    {"nn"},
    {"data"},
    {"models"},
    {"runs"},
    {"tasks"},
    {"train", "inference"},
    {"rl", "generative", "compress", "spiking"},
    {"experiments"},
    {"explain"},
    {"export"},
    {"sweep"},
    {"claims"},
    {"components"},  # load_components() imports every registering package
    {"cli"},
]


def rank_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "dlx" or len(parts) < 2:
        return None
    for rank, names in enumerate(RANKS):
        if parts[1] in names:
            return rank
    return None


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
            for alias in node.names:  # "from dlx import ops" imports dlx.ops
                yield f"{node.module}.{alias.name}", node.lineno


def test_every_module_has_a_known_layer():
    unknown = [module_name(p) for p in PACKAGE.rglob("*.py")
               if module_name(p) != "dlx" and rank_of(module_name(p)) is None]
    assert not unknown, f"add these packages to RANKS: {unknown}"


def test_imports_only_point_down():
    upward = []
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        own = rank_of(name)
        if own is None:
            continue
        for target, line in imported_modules(ast.parse(path.read_text())):
            rank = rank_of(target)
            if rank is not None and rank > own:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert not upward, "imports that point up the layer list:\n" + "\n".join(upward)
