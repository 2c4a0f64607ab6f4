"""The options of an explanation method, read from its signature and checked before any work.

``dlx explain RUN -m lime -o n_samples=500`` passes ``n_samples=500`` to the registered
explainer. A method's options are the keyword arguments of its function (for ``lime`` and
``featvis``, which pass ``**options`` on, those of the function they pass them to), less
what the command line fills in itself (the target, the instance, the generator). Each
value is checked against the parameter's annotation (int, float, bool, str, or None where
the default is None) and against a range: counts are at least 1, sizes must fit in the
memory limit (``$DLX_MEMORY_LIMIT``, 4 GiB by default), rates are finite and positive.

Example::

    options = parse_options(["n_samples=500", "kernel_width=0.5"])   # {'n_samples': 500, ...}
    check_options("lime", target, options)   # DlxError: one line that says what to change
"""
from __future__ import annotations

import inspect
import math
import numbers

import numpy as np
import yaml

from dlx.config.safe_yaml import load_yaml
from dlx.errors import DlxError
from dlx.registry import closest, explainers

FILLED_IN = ("target", "x", "rng", "index")  # the command line passes these itself (--index)
COUNTS = {"n_samples", "num_features", "steps", "max_steps", "rounds", "top", "k", "population", "generations",
          "grid_points", "bins", "background", "n_prototypes", "n_criticisms", "batch_size", "window", "stride",
          "size", "images", "min_steps"}
NON_NEGATIVE = {"blur", "jitter", "epsilon", "lam", "l2", "tv", "scale", "rotate", "noise", "diversity",
                "decay_power"}
POSITIVE = {"lr", "tolerance", "kernel_width", "gamma", "alpha"}
PER_SAMPLE = {"n_samples", "population", "background", "batch_size", "steps", "max_steps", "grid_points", "images"}
LOOPS = {"steps", "max_steps", "rounds", "generations"}  # iterations: a count beyond this would run for days
MAX_ITERATIONS = 100_000
COPIES = 4  # float64 copies of the input one sampled point costs (raw, scaled, perturbation, gradient)


def parse_options(texts) -> dict:
    """``["n_samples=500", "output=prob"]`` -> ``{"n_samples": 500, "output": "prob"}`` (values read as YAML)."""
    options = {}
    for text in texts:
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise DlxError(f"--option {text}: write NAME=VALUE, e.g. --option n_samples=500")
        try:
            options[key.strip()] = load_yaml(value) if value.strip() else None
        except yaml.constructor.ConstructorError:
            raise DlxError(f"--option {text}: YAML tags such as !!python/object are refused (nothing given to dlx "
                           f"may run code); give a number, true/false or a word") from None
        except yaml.YAMLError as error:
            problem = getattr(error, "problem", None) or "not a plain value"
            raise DlxError(f"--option {text}: {problem}; give a number, true/false or a word") from None
    return options


def accepted_options(method: str, target) -> dict[str, inspect.Parameter]:
    """The keyword arguments ``method`` takes on ``target`` (name -> parameter), less those the CLI fills in."""
    fn = explainers.get(method)
    parameters = dict(inspect.signature(fn).parameters)
    if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        forwarded = getattr(fn, "passes_options_to", None)
        if forwarded is not None:
            parameters.update(inspect.signature(forwarded(target)).parameters)
    return {name: p for name, p in parameters.items()
            if name not in FILLED_IN and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def check_options(method: str, target, options: dict) -> None:
    """A one-line DlxError for an option ``method`` does not take, or a value of the wrong type or range."""
    accepted = accepted_options(method, target)
    for name, value in options.items():
        if name not in accepted:
            guess = closest(name, accepted)
            hint = f"did you mean '{guess}'? " if guess else ""
            raise DlxError(f"method '{method}' has no option '{name}'; {hint}its options: "
                           f"{', '.join(sorted(accepted)) or 'none'}")
        problem = _type_problem(accepted[name], value) or _range_problem(name, value, target)
        if problem:
            raise DlxError(f"--option {name}={value}: {problem} (method '{method}')")


def _kind(parameter: inspect.Parameter) -> tuple[str | None, bool]:
    """(the value type an annotation names, whether None is allowed); the default's type if not annotated."""
    annotation = parameter.annotation
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    parts = [part.strip() for part in str(text).split("|")] if text else []
    optional = "None" in parts or parameter.default is None
    for name in ("bool", "int", "float", "str"):
        if name in parts:
            return name, optional
    if any("ndarray" in part for part in parts):
        return "array", optional
    default = parameter.default
    if isinstance(default, (bool, int, float, str)):
        return type(default).__name__, optional
    return None, optional  # anything the method accepts (a list of features ...)


def _type_problem(parameter: inspect.Parameter, value) -> str | None:
    kind, optional = _kind(parameter)
    if value is None:
        return None if optional or kind is None else f"give a value ({kind})"
    if kind == "array":
        return None if isinstance(value, np.ndarray) else "an array, which only Python code can give; leave it out"
    if kind == "bool" and not isinstance(value, (bool, np.bool_)):
        return "give true or false"
    if kind == "int" and (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral)):
        return "give a whole number"
    if kind == "float" and (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real)):
        return "give a number"
    if kind == "float" and not math.isfinite(value):
        return "give a finite number"
    if kind == "str" and not isinstance(value, str) and parameter.default not in ("auto",):
        return "give a word"
    return None


def _range_problem(name: str, value, target) -> str | None:
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        return None
    if name in COUNTS and value < 1:
        return "must be at least 1"
    if name in NON_NEGATIVE and value < 0:
        return "must be 0 or more"
    if name in POSITIVE and not value > 0:
        return "must be above 0"
    if name in LOOPS and value > MAX_ITERATIONS:
        return f"at most {MAX_ITERATIONS:,} iterations; a larger count would run for days"
    if name in PER_SAMPLE:
        from dlx.models.memory import memory_limit
        needed, limit = COPIES * 8 * value * int(np.prod(target.input_shape)), memory_limit()
        if needed > limit:
            return (f"needs about {needed / 2**30:.3g} GiB for its samples, over the memory limit of "
                    f"{limit / 2**30:.3g} GiB (set DLX_MEMORY_LIMIT to raise it); choose a smaller value")
    return None
