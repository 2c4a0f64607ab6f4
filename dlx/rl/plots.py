"""PNG plots of an RL run: returns, episode lengths, exploration, mean Q, values on the grid.

Built with ``dlx.runs.plots``' helpers (Agg canvas, atomic write, no pyplot state).

Example::

    plot_rl_history(rows, run_dir / "plots")          # returns.png, lengths.png, exploration.png, mean_q.png
    plot_value_grid(agent.values, agent.policy, grid_layout(env), run_dir / "plots" / "values.png")
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlx.runs.plots import new_figure, save_png

CARTPOLE_Q_BOUND = (1 - 0.99 ** 500) / (1 - 0.99)  # ~99.3: discounted return of 500 steps at gamma 0.99


def discounted_bound(gamma: float, steps: int) -> float:
    """sum_{t<steps} gamma^t: the value of collecting reward 1 for ``steps`` steps."""
    return float((1 - gamma ** steps) / (1 - gamma)) if gamma < 1 else float(steps)


def smooth(values, window: int = 100) -> np.ndarray:
    """Trailing moving average (the first points average what exists so far)."""
    values = np.asarray(values, dtype=float)
    cumulative = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (cumulative[1:] - cumulative[np.arange(1, len(values) + 1) - counts]) / counts


def _column(rows: list[dict], key: str) -> tuple[np.ndarray, np.ndarray]:
    kept = [(row["episode"], row[key]) for row in rows if row.get(key) is not None and "episode" in row]
    if not kept:
        return np.zeros(0), np.zeros(0)
    episodes, values = zip(*kept)
    return np.asarray(episodes, dtype=float), np.asarray(values, dtype=float)


def plot_raw_and_smoothed(rows: list[dict], key: str, path, ylabel: str, window: int = 100) -> Path | None:
    """One metric per episode as faint dots (a line through thousands of 0/1 returns is a solid band)
    and its moving average as the line to read."""
    episodes, values = _column(rows, key)
    if not len(values):
        return None
    figure = new_figure(6, 4)
    axes = figure.add_subplot()
    axes.plot(episodes, values, ".", markersize=2, alpha=0.25, linestyle="none", label="per episode")
    axes.plot(episodes, smooth(values, window), linewidth=2, label=f"mean of last {window}")
    axes.set(title=f"{ylabel} per episode", xlabel="episode", ylabel=ylabel)
    axes.grid(alpha=0.3)
    axes.legend()
    return save_png(figure, path)


def plot_exploration(rows: list[dict], path, window: int = 100) -> Path | None:
    """Epsilon and the share of exploring (random) vs exploiting steps over training."""
    episodes, epsilon = _column(rows, "epsilon")
    _, share = _column(rows, "explore_share")
    if not len(epsilon):
        return None
    figure = new_figure(6, 4)
    axes = figure.add_subplot()
    axes.plot(episodes, epsilon, label="epsilon")
    if len(share) == len(episodes):
        explore = smooth(share, window)
        axes.stackplot(episodes, explore, 1 - explore, labels=["exploring steps", "exploiting steps"],
                       alpha=0.25)
    axes.set(title="exploration", xlabel="episode", ylabel="rate / share of steps", ylim=(0, 1.02))
    axes.grid(alpha=0.3)
    axes.legend(loc="best")
    return save_png(figure, path)


def plot_mean_q(curves: dict[str, tuple], path, bound: float | None = None) -> Path:
    """Mean predicted Q over training, one line per label (e.g. DQN vs double DQN), and a bound.

    Args:
        curves: label -> (environment steps, mean Q per episode).
        bound (float, default None): the true value's upper limit, drawn dashed (99.3 on CartPole).
    """
    figure = new_figure(6, 4)
    axes = figure.add_subplot()
    for label, (steps, mean_q) in curves.items():
        axes.plot(steps, smooth(mean_q, 20), label=label)
    if bound is not None:
        axes.axhline(bound, color="black", linestyle="--", linewidth=1, label=f"bound {bound:.1f}")
    axes.set(title="mean predicted Q (mean of last 20 episodes)", xlabel="environment steps", ylabel="max_a Q(s, a)")
    axes.grid(alpha=0.3)
    axes.legend()
    return save_png(figure, path)


def plot_rl_history(rows: list[dict], out_dir, bound: float | None = None) -> list[Path]:
    """returns.png, lengths.png, exploration.png and (value-based agents) mean_q.png of one run."""
    out_dir = Path(out_dir)
    paths = [plot_raw_and_smoothed(rows, "return", out_dir / "returns.png", "return"),
             plot_raw_and_smoothed(rows, "length", out_dir / "lengths.png", "episode length"),
             plot_exploration(rows, out_dir / "exploration.png")]
    steps, mean_q = _column([{**r, "episode": r.get("steps")} for r in rows], "mean_q")
    if len(mean_q):
        paths.append(plot_mean_q({"mean Q": (steps, mean_q)}, out_dir / "mean_q.png", bound))
    return [p for p in paths if p is not None]


@dataclass
class GridLayout:
    """How the states of a grid world lie: shape (rows, cols), arrows (dx, dy) per action, cell letters."""

    shape: tuple[int, int]
    arrows: dict[int, tuple[float, float]]
    letters: np.ndarray | None = None


def grid_layout(env) -> GridLayout | None:
    """The layout of FrozenLake and CliffWalking (None for environments that are not a grid)."""
    unwrapped = env.unwrapped
    name = env.spec.id if env.spec is not None else ""
    if name.startswith("FrozenLake"):  # actions: left, down, right, up
        letters = np.asarray(unwrapped.desc, dtype="U1")
        return GridLayout(letters.shape, {0: (-1, 0), 1: (0, 1), 2: (1, 0), 3: (0, -1)}, letters)
    if name.startswith("CliffWalking"):  # actions: up, right, down, left
        letters = np.full(unwrapped.shape, "", dtype="U1")
        letters[3, 1:-1], letters[3, 0], letters[3, -1] = "C", "S", "G"
        return GridLayout(tuple(unwrapped.shape), {0: (0, -1), 1: (1, 0), 2: (0, 1), 3: (-1, 0)}, letters)
    return None


def plot_value_grid(values: np.ndarray, policy: np.ndarray, layout: GridLayout, path, title: str = "V(s)",
                    skip: np.ndarray | None = None) -> Path:
    """The value function as a heat map on the grid, with the greedy action as an arrow per cell.

    ``skip`` marks states (terminal ones) that get no arrow; by default the cells lettered H, G or C.
    """
    rows, cols = layout.shape
    grid = np.asarray(values, dtype=float).reshape(rows, cols)
    letters = layout.letters if layout.letters is not None else np.full((rows, cols), "", dtype="U1")
    skip = np.isin(letters, ["H", "G", "C"]).ravel() if skip is None else np.asarray(skip)
    figure = new_figure(max(3, cols * 0.8 + 1.5), max(3, rows * 0.8 + 0.5))
    axes = figure.add_subplot()
    image = axes.imshow(grid, cmap="viridis")
    figure.colorbar(image, ax=axes, shrink=0.8)
    for state, action in enumerate(np.asarray(policy)):  # letter top left, arrow in the middle, value below
        r, c = divmod(state, cols)
        ink = _ink_on(image.cmap(image.norm(grid[r, c])))
        if letters[r, c]:
            axes.text(c - 0.44, r - 0.44, letters[r, c], ha="left", va="top", color=ink, fontsize=8)
        if not skip[state]:
            dx, dy = layout.arrows[int(action)]
            axes.arrow(c - 0.2 * dx, r - 0.2 * dy, 0.4 * dx, 0.4 * dy, head_width=0.15, head_length=0.12,
                       length_includes_head=True, color=ink)
        axes.text(c, r + 0.44, f"{grid[r, c]:.2f}", ha="center", va="bottom", color=ink, fontsize=7)
    axes.set(title=title, xticks=[], yticks=[])
    return save_png(figure, path)


def _ink_on(background) -> str:
    """Black on a light cell, white on a dark one (relative luminance of the RGB colour)."""
    red, green, blue = background[:3]
    return "black" if 0.2126 * red + 0.7152 * green + 0.0722 * blue > 0.5 else "white"


def plot_rl_run(agent, rows: list[dict], out_dir, bound: float | None = None) -> list[Path]:
    """Every plot that applies to a trained agent: the history and, on a grid world, V(s) with the policy."""
    out_dir = Path(out_dir)
    paths = plot_rl_history(rows, out_dir, bound)
    layout = grid_layout(agent.env) if agent.env is not None else None
    if layout is not None and hasattr(agent, "q"):
        paths.append(plot_value_grid(agent.values, agent.policy, layout, out_dir / "values.png",
                                     f"V(s) and greedy policy: {agent.registry_name}"))
    return paths
