"""A picture of a traced model: one box per node, arrows from the nodes it reads (matplotlib, no graphviz).

Nodes are placed in rows by their longest distance from an input, so parallel
branches stand side by side and a residual shortcut is a long arrow past its
block. Each box names the node's layer, its output shape, and its parameters
(``shared: NAME`` for the layers of a block used more than once).

Example::

    >>> draw_graph(trace_model(model, (1, 8, 8)), Path("digits_cnn-graph.png"), "digits CNN")
"""
from __future__ import annotations

from pathlib import Path

from dlx.models.trace import TracedNode

MERGE_LABELS = ("add", "concat", "multiply")


def node_rows(nodes: list[TracedNode]) -> list[int]:
    """The row of each node: 0 for the inputs, else one below the lowest row of the nodes it reads."""
    rows: list[int] = []
    for node in nodes:  # traced nodes come after the nodes they read
        rows.append(1 + max(rows[i] for i in node.inputs) if node.inputs else 0)
    return rows


def node_text(node: TracedNode) -> str:
    shape = "x".join(map(str, node.shape))
    lines = [node.label, f"({shape})"]
    if node.parameters:
        lines.append(f"{node.parameters:,} params")
    if node.block:
        lines.append(f"shared: {node.block}")
    return "\n".join(lines)


def draw_graph(nodes: list[TracedNode], path: Path, title: str = "") -> Path:
    """Write a PNG of the graph of ``nodes`` to ``path`` (written whole, then renamed)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = node_rows(nodes)
    columns: dict[int, list[int]] = {}
    for node, row in zip(nodes, rows):
        columns.setdefault(row, []).append(node.index)
    width = max(len(members) for members in columns.values())
    place = {}
    for row, members in columns.items():
        for k, index in enumerate(members):
            place[index] = ((k - (len(members) - 1) / 2) * 2.6, -row * 1.25)
    figure, axes = plt.subplots(figsize=(max(4.0, 2.6 * width + 1), max(3.0, 1.0 * len(columns) + 1)))
    for node in nodes:
        for source in node.inputs:
            (x0, y0), (x1, y1) = place[source], place[node.index]
            bend = 0.0 if abs(y0 - y1) <= 1.3 or x0 != x1 else 0.5  # a shortcut past its block curves aside
            axes.annotate("", xy=(x1, y1 + 0.3), xytext=(x0, y0 - 0.3),
                          arrowprops={"arrowstyle": "->", "color": "0.35", "connectionstyle": f"arc3,rad={bend}"})
    for node in nodes:
        x, y = place[node.index]
        colour = "#dbe9f6" if node.label == "input" else "#fde2c8" if node.label in MERGE_LABELS else \
            "#e2f0d9" if node.block else "white"
        axes.text(x, y, node_text(node), ha="center", va="center", fontsize=7,
                  bbox={"boxstyle": "round,pad=0.3", "facecolor": colour, "edgecolor": "0.3"})
    xs = [p[0] for p in place.values()]
    axes.set_xlim(min(xs) - 1.6, max(xs) + 1.6)
    axes.set_ylim(-(len(columns) - 1) * 1.25 - 0.8, 0.8)
    axes.axis("off")
    axes.set_title(title, fontsize=9)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial.png")
    figure.savefig(partial, dpi=110, bbox_inches="tight")
    plt.close(figure)
    partial.replace(path)
    return path
