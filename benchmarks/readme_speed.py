"""Put a ``python -m benchmarks`` table (its bench.md) into README.md's "Speed" section.

README.md holds the table between the lines ``<!-- speed table: begin -->`` and
``<!-- speed table: end -->``; this replaces what lies between them with bench.md and the
command that made it. ``--noisy WHY`` adds a line that flags the figures as taken on a busy
machine (so not a verdict). The table for the README, on a quiet machine::

    python -m benchmarks --workloads mlp,mnist_cnn,digits_cnn,lstm --threads 1,all --repeats 9 --out results/bench/readme
    python benchmarks/readme_speed.py results/bench/readme/bench.md --command "python -m benchmarks --workloads mlp,mnist_cnn,digits_cnn,lstm --threads 1,all --repeats 9"
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- speed table: begin -->", "<!-- speed table: end -->"


def replaced(readme: str, table: str, command: str, noisy: str | None) -> str:
    if readme.count(BEGIN) != 1 or readme.count(END) != 1 or readme.index(BEGIN) > readme.index(END):
        raise SystemExit(f"README.md must hold one '{BEGIN}' line and, after it, one '{END}' line")
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    flag = f"\n**Noisy, not a verdict:** {noisy}\n" if noisy else ""
    return f"{head}{BEGIN}\n`{command}`:\n{flag}\n{table.strip()}\n{END}{tail}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench_md", type=Path, help="the bench.md that python -m benchmarks wrote")
    parser.add_argument("--command", default="python -m benchmarks --workloads mlp,mnist_cnn,digits_cnn,lstm "
                                              "--threads 1,all --repeats 9", help="the command that made it")
    parser.add_argument("--noisy", default=None, help="why the figures are not to be judged (a busy machine)")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = parser.parse_args()
    if not args.bench_md.is_file():
        sys.exit(f"no file '{args.bench_md}'; run python -m benchmarks --out DIR first and give DIR/bench.md")
    text = replaced(args.readme.read_text(encoding="utf-8"), args.bench_md.read_text(encoding="utf-8"),
                    args.command, args.noisy)
    args.readme.write_text(text, encoding="utf-8")
    print(f"{args.readme}: the speed table of {args.bench_md}")


if __name__ == "__main__":
    main()
