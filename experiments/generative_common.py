"""Shared by the generative experiments: run a shipped config into results/<run_name>."""
from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from dlx.generative import run_generative

ROOT = Path(__file__).resolve().parents[1]


def load_config(name: str) -> dict:
    return yaml.safe_load((ROOT / "configs" / f"{name}.yaml").read_text())


def run_config(name: str, out_root: Path, overrides: dict | None = None, verbose: bool = False) -> dict:
    """Train ``configs/<name>.yaml`` into ``out_root/<run_name>`` and return its summary."""
    config = load_config(name)
    folder = out_root / config["output"]["run_name"]
    show = (lambda row: print("   ", {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()},
                              flush=True)) if verbose else None
    summary = run_generative(config, folder, on_row=show, overrides=overrides)
    print(f"{name}: files in {folder}")
    return summary


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, default=ROOT / "results", help="folder for the run folders")
    parser.add_argument("--quick", action="store_true", help="a short smoke run instead of the full one")
    parser.add_argument("--verbose", action="store_true", help="print every metrics row")
    return parser.parse_args()
