"""``dlx``: the entry point. Heavy imports happen inside the commands, so ``dlx --help`` is fast."""
from __future__ import annotations

import typer

from dlx.cli import config_cmd, curves, cv, evaluate, explain, list_cmd, lr_find, play, predict, sample, sweep, train
from dlx.cli.common import state, terminate_as_ctrl_c

app = typer.Typer(name="dlx", help="A deep-learning lab written from scratch in NumPy.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


@app.callback()
def main_options(debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors.")):
    """A deep-learning lab written from scratch in NumPy: train, evaluate and inspect models from YAML configs."""
    state["debug"] = debug


app.command("train")(train.train)
app.command("evaluate")(evaluate.evaluate)
app.command("predict")(predict.predict)
app.command("explain")(explain.explain)
app.command("play")(play.play)
app.command("sample")(sample.sample)
app.command("list")(list_cmd.list_components)
app.command("cv")(cv.cv)
app.command("sweep")(sweep.sweep)
app.command("lr-find")(lr_find.lr_find)
app.add_typer(curves.curve_app, name="curve")
app.add_typer(config_cmd.config_app, name="config")
app.command("schema")(config_cmd.schema)


def main() -> None:
    terminate_as_ctrl_c()
    app()


if __name__ == "__main__":
    main()
