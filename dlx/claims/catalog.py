"""The catalog of claims: one YAML file per claim of the lecture notes in ``experiments/claims/``.

A runnable claim is a sweep file (``dlx/sweep/spec.py``) with a ``claim`` block, the notes'
claim in English and where they make it, and an ``expect`` block that judges it::

    claim:
      statement: Adam needs less tuning of the learning rate than SGD.
      section: "[O] Optimisation: adaptive methods"
    name: claim-adam-tuning
    base: ../../configs/digits_mlp.yaml
    parameters: {optimiser.name: [adam, sgd], optimiser.lr: [1.0e-3, 1.0e-2, 1.0e-1]}
    seeds: 3
    expect: {adam_tolerant: "max(adam.val_loss) < max(sgd.val_loss) at 95%"}

A claim whose experiment needs a part of dlx not built yet has no sweep, only the claim
block and ``pending: <what it needs>``: it is listed as pending, never faked.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlx.config.safe_yaml import load_yaml
from dlx.errors import ConfigError
from dlx.registry import closest

DEFAULT_FOLDER = Path("experiments") / "claims"


@dataclass(frozen=True)
class Claim:
    """One claim file: its name (the file's stem), the statement, the notes' section, and either the
    path of its sweep (runnable) or what it waits for (``pending``)."""

    name: str
    path: Path
    statement: str
    section: str
    pending: str | None = None

    @property
    def runnable(self) -> bool:
        return self.pending is None


def read_claim(path: Path) -> Claim:
    """The claim of one file (ConfigError naming the file when its claim block is missing or wrong)."""
    raw = load_yaml(path.read_text(encoding="utf-8"))
    info = raw.get("claim") if isinstance(raw, dict) else None
    if not isinstance(info, dict) or not info.get("statement") or not info.get("section"):
        raise ConfigError(f"{path}: a claim file needs a 'claim' block with 'statement' and 'section' "
                          f"(see experiments/claims/README.md)")
    pending = raw.get("pending")
    if pending is None and "parameters" not in raw:
        raise ConfigError(f"{path}: a claim needs a sweep (base, parameters, seeds, expect) or 'pending: <what "
                          f"it needs>'")
    return Claim(path.stem, path, str(info["statement"]), str(info["section"]),
                 None if pending is None else str(pending))


def load_catalog(folder: str | Path = DEFAULT_FOLDER) -> list[Claim]:
    """Every claim file of ``folder`` (``*.yaml``), by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"claims folder '{folder}' not found; run from the repository root or give "
                          f"--claims FOLDER")
    return [read_claim(p) for p in sorted(folder.glob("*.yaml"))]


def pick(catalog: list[Claim], names: list[str]) -> list[Claim]:
    """The claims named (all when none is); an unknown name is one error with the closest known."""
    if not names:
        return catalog
    known = {c.name: c for c in catalog}
    for name in names:
        if name not in known:
            guess = closest(name, list(known))
            hint = f" did you mean '{guess}'?" if guess else ""
            raise ConfigError(f"no claim named '{name}';{hint} see 'dlx claims list'")
    return [known[name] for name in names]
