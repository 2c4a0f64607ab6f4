"""The reinforcement-learning kind: an environment and an agent (a config with ``environment``);
the schema is ``dlx.rl.settings.RLConfig``, the run ``dlx.rl.runner``.

Its trials report the greedy evaluation as ``eval_mean_return``, ``eval_std_return`` and
``eval_success_rate`` (where the environment has a goal); a sweep ranks by ``eval_mean_return``
(max). The per-episode rows stay in each trial's own metrics files; the sweep keeps at most
``HISTORY_ROWS`` of them.
"""
from __future__ import annotations


from dlx.config.loading import default_run_name
from dlx.experiments.registry import ExperimentKind, register_kind
from dlx.rl.config import RLConfig

EVALUATION = ("mean_return", "std_return", "success_rate", "mean_length")
HISTORY_ROWS = 100


def start(loaded, folder=None, results_dir=None, reporter=None):
    """Train the agent in a new run folder; the summary's ``test`` holds the evaluation as ``eval_*``."""
    from dlx.rl.runner import start_rl
    run_name = loaded.config.output.run_name or default_run_name(loaded.source)
    result = start_rl(loaded.config, loaded.source, run_name, results_dir, reporter, folder)  # None: output.results_dir
    return with_metrics(result)


def with_metrics(result):
    evaluation = result.summary.get("evaluation") or {}
    result.summary["test"] = {f"eval_{k}": evaluation[k] for k in EVALUATION if k in evaluation}
    result.summary.setdefault("epochs_completed", result.summary.get("episodes"))
    return result


def resume(run_dir, loaded, reporter=None):
    from dlx.rl.runner import resume_rl
    return with_metrics(resume_rl(run_dir, reporter, config=loaded.config))


def run_trial(loaded, folder=None, splits=None, reporter=None, on_epoch=None):
    result = start(loaded, folder)
    step = max(1, len(result.history) // HISTORY_ROWS)
    result.history = list(result.history)[step - 1::step]
    return result


def headline(summary: dict) -> tuple[str, dict]:
    return "greedy evaluation", dict(summary.get("headline") or {})  # the summary's (dlx.rl.runner.headline_of)


RL = register_kind(ExperimentKind(
    name="rl", schema=RLConfig, description="an agent in a Gymnasium environment (a config with environment)",
    train=lambda loaded, results_dir=None, reporter=None: start(loaded, None, results_dir, reporter),
    run_trial=run_trial, resume=resume, seed_key="seed",
    planned_epochs=lambda config: config.budget.episodes or config.budget.steps,
    metrics=lambda: tuple(f"eval_{k}" for k in EVALUATION), default_metric=lambda config: ("eval_mean_return", "max"),
    headline=headline, frequent_rows=True))
