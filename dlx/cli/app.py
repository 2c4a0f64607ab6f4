"""``dlx``: the entry point. Heavy imports happen inside the commands, so ``dlx --help`` is fast."""
from __future__ import annotations

import typer

from dlx.cli import (claims, compare, compress, config_cmd, curves, cv, embed, evaluate, explain, list_cmd, lr_find,
                     play, predict, runs, sample, site, summary, sweep, train)
from dlx.cli import export, import_weights  # issue 25 (its own line, for merging)
from dlx.cli.common import state, terminate_as_ctrl_c

app = typer.Typer(name="dlx", help="A deep-learning lab written from scratch in NumPy.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


def show_version(value: bool) -> None:
    if value:
        from dlx import __version__
        typer.echo(f"dlx {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
                 version: bool = typer.Option(False, "--version", callback=show_version, is_eager=True,
                                              help="Print the version of dlx and exit.")):
    """A deep-learning lab written from scratch in NumPy: train, evaluate and inspect models from YAML configs."""
    state["debug"] = debug


def flags_without_a_type() -> None:
    """Typer prints ``<bool>`` after a flag (--debug, --help) as if it took a value; show nothing there."""
    from typer.core import TyperOption
    typed = TyperOption.display_type_rich

    def display_type_rich(self, ctx):
        return None if self.is_flag else typed(self, ctx)
    TyperOption.display_type_rich = display_type_rich


flags_without_a_type()


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
app.add_typer(embed.embed_app, name="embed")
app.add_typer(config_cmd.config_app, name="config")
app.command("schema")(config_cmd.schema)
app.command("summary")(summary.summary)
app.add_typer(claims.claims_app, name="claims")
app.command("verify")(claims.verify)
app.command("compress")(compress.compress)
app.command("runs")(runs.runs)
app.command("compare")(compare.compare)
app.command("site")(site.site)
app.command("export")(export.export)
app.command("import-weights")(import_weights.import_weights)


def main() -> None:
    terminate_as_ctrl_c()
    app()


if __name__ == "__main__":
    main()
