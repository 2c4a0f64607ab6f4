"""``dlx explain -o NAME=VALUE``: options checked against the method's signature, values against types and ranges."""
from __future__ import annotations

import pytest

from dlx.runs.children import children_of
from tests.cli.cli_process import assert_one_error_line, dlx, output_of
from tests.cli.trained_runs import copies


@pytest.fixture(scope="module")
def run(every_kind_runs, tmp_path_factory):
    """A copy of the session's XOR run with a test split (tests/cli/conftest.py): ``explain`` below writes into it."""
    return copies(every_kind_runs, tmp_path_factory.mktemp("xor"), "supervised")["supervised"]


def explanations(run):
    return [str(p) for p in children_of(run, "explain")]


def explain(run, tmp_path, method, *options, index=("-i", "0")):
    return dlx("explain", run, "-m", method, *index, *(a for o in options for a in ("-o", o)), cwd=tmp_path)


@pytest.mark.parametrize("method,option,fragments", [
    ("lime", "num_samples=50", ("no option 'num_samples'", "did you mean 'n_samples'?", "kernel_width")),
    ("featvis", "stepz=5", ("no option 'stepz'", "did you mean 'steps'?", "parameterisation")),
    ("saliency", "n_samples=5", ("no option 'n_samples'", "its options: check, class_index, output")),
    ("lime", "n_samples=-5", ("n_samples=-5", "at least 1")),
    ("lime", "n_samples=10000000000", ("n_samples=10000000000", "memory limit", "DLX_MEMORY_LIMIT")),
    ("lime", "n_samples=5.5", ("whole number",)),
    ("lime", "n_samples=true", ("whole number",)),
    ("lime", "kernel_width=.nan", ("kernel_width", "finite")),
    ("lime", "kernel_width=-1", ("kernel_width", "above 0")),
    ("lime", "discretize=maybe", ("discretize", "true or false")),
    ("integrated_gradients", "steps=0", ("steps=0", "at least 1")),
    ("integrated_gradients", "max_steps=1000000000", ("max_steps", "at most 100,000")),
    ("lime", "n_samples=!!python/object/apply:os.system [ls]", ("YAML tags", "[ls]")),
    ("lime", "n_samples=[1", ("n_samples=[1",)),
])
def test_a_bad_option_is_one_line_before_any_work(run, tmp_path, method, option, fragments):
    before = explanations(run)
    assert_one_error_line(explain(run, tmp_path, method, option), *fragments)
    assert explanations(run) == before, "an explanation folder was left behind"


def test_the_help_example_is_a_real_option(run, tmp_path):
    help_text = " ".join(output_of(dlx("explain", "--help", cwd=tmp_path, env={"COLUMNS": "250"})).split())
    assert "-o n_samples=500" in help_text and "num_samples" not in help_text
    done = explain(run, tmp_path, "lime", "n_samples=500")
    assert done.returncode == 0, output_of(done)


def test_options_a_method_passes_on_are_accepted(run, tmp_path):
    done = explain(run, tmp_path, "featvis", "steps=5", "lr=0.1", index=())
    assert done.returncode == 0, output_of(done)
