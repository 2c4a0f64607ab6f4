"""Generation time against length: carried states and key-value caches grow linearly, reruns do not.

For each generator it times the same work at lengths L, 2L, 4L, 8L (in process, one BLAS thread,
untrained networks of the configs' shapes: the time does not depend on the weights) and prints the
time per generated token at each length and the exponent b of time ~ length^b fitted over the
lengths (1: linear, 2: quadratic). Times are the process's CPU seconds (one thread; on a shared machine
wall-clock time mostly measures the other jobs):

- ``char_lm``: text from the network of configs/char_lm.yaml (embedding, LSTM 128, dense), its
  states carried (``dlx sample``) against the network rerun over the last 64 characters for each
  (before issue 28; the rerun is linear too, but 64 times the work per character).
- ``char_transformer``: text from configs/char_transformer.yaml's network, with the key-value cache
  (restarted from the last 32 characters when its 64 are full) against the rerun over the window.
- ``seq2seq``: greedy decoding of the Transformer encoder-decoder (configs/reverse_transformer.yaml's
  sizes) to a fixed length, with the decoder's caches against rerunning the decoder over the prefix
  (quadratic in the output's length).

    python benchmarks/bench_scaling.py [--base 250] [--repeats 3] [--only char_lm,seq2seq]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from functools import partial
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import dlx.components  # noqa: E402,F401  (registers the layers)
from dlx.inference import text  # noqa: E402
from dlx.nn import Sequential  # noqa: E402
from dlx.nn.transformer_seq2seq import TransformerSeq2Seq  # noqa: E402
from dlx.registry import layers  # noqa: E402

VOCABULARY = 65  # about what Python's help text has


def char_network(config: str) -> Sequential:
    specs = yaml.safe_load((ROOT / "configs" / config).read_text())["model"]["layers"]
    built = []
    for spec in specs:
        (name, options), = spec.items() if isinstance(spec, dict) else ((spec, None),)
        options = dict(options or {})
        if options.get("units") == "outputs":
            options["units"] = VOCABULARY
        built.append(layers.create(name, **options))
    net = Sequential(built)
    net.build((64,), np.random.default_rng(0))
    net.eval()
    return net


def text_seconds(net, length: int, carry: bool) -> float:
    run = SimpleNamespace(network=net, class_names=[chr(32 + i) for i in range(VOCABULARY)], input_shape=(64,))
    original = text._next_logits
    text._next_logits = partial(original, carry=carry)
    try:
        start = time.process_time()
        for _ in text._draw(run, "THE ", "", length, 0.8, np.random.default_rng(0), 64):
            pass
        return time.process_time() - start
    finally:
        text._next_logits = original


def seq2seq_seconds(model, length: int, cached: bool) -> float:
    source = np.random.default_rng(1).integers(3, model.output_size, (8, 20))
    model.end_token = -1  # never ends: decode exactly ``length`` tokens
    step = model.step
    if not cached:
        def rerun(token, state, memory):
            prefix = np.concatenate([state[0], np.asarray(token, dtype=np.int64)[:, None]], axis=1)
            return model.decode(prefix, memory)[:, -1], (prefix,), None
        model.step = rerun
    try:
        start = time.process_time()
        model.greedy(source, max_length=length)
        return time.process_time() - start
    finally:
        model.step = step


def report(name: str, lengths: list[int], timer, repeats: int) -> None:
    print(f"\n{name}: seconds per 1000 steps at each length (the fastest of {repeats}); b in time ~ length^b")
    print(f"{'':>24}" + "".join(f"{n:>10}" for n in lengths) + f"{'b':>8}")
    for label, run in timer.items():
        run(lengths[0])  # warm up
        times = [min(run(n) for _ in range(repeats)) for n in lengths]
        slope = np.polyfit(np.log(lengths), np.log(times), 1)[0]
        print(f"{label:>24}" + "".join(f"{t / n * 1000:>10.3f}" for t, n in zip(times, lengths)) + f"{slope:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=250, help="the shortest length (then 2x, 4x, 8x)")
    parser.add_argument("--repeats", type=int, default=3, help="the fastest of this many runs per length")
    parser.add_argument("--only", default="char_lm,char_transformer,seq2seq")
    args = parser.parse_args()
    chosen = set(args.only.split(","))
    lengths = [args.base * k for k in (1, 2, 4, 8)]
    if "char_lm" in chosen:
        net = char_network("char_lm.yaml")
        report("char_lm (LSTM) text", lengths, {"carried states": partial(text_seconds, net, carry=True),
                                                "rerun over 64": partial(text_seconds, net, carry=False)},
               args.repeats)
    if "char_transformer" in chosen:
        net = char_network("char_transformer.yaml")
        report("char_transformer text", lengths, {"key-value cache": partial(text_seconds, net, carry=True),
                                                  "rerun over 64": partial(text_seconds, net, carry=False)},
               args.repeats)
    if "seq2seq" in chosen:
        model = TransformerSeq2Seq(40, d_model=64, heads=4, num_layers=2, hidden=128, max_output_length=512)
        model.build((20,), np.random.default_rng(0))
        model.eval()
        steps = [max(args.base // 16, 4) * k for k in (1, 2, 4, 8)]
        report("transformer seq2seq greedy decoding (8 sequences)", steps,
               {"key-value cache": partial(seq2seq_seconds, model, cached=True),
                "rerun over the prefix": partial(seq2seq_seconds, model, cached=False)}, args.repeats)


if __name__ == "__main__":
    main()
