"""``load_components()`` fills every registry in a fresh process, and the commands use it rather than importing
packages for their side effects (issue 18 item 6)."""
import ast
import json
import os
import subprocess
import sys

from tests.cli.cli_process import ROOT

REPORT = """
import json
from dlx.components import load_components
load_components()
from dlx import registry
from dlx.experiments import KINDS
from dlx.inference.formats import model_formats
counts = {name: len(value) for name, value in vars(registry).items() if isinstance(value, registry.Registry)}
print(json.dumps({"registries": counts, "kinds": sorted(KINDS), "formats": model_formats.names()}))
"""


def test_one_call_fills_every_registry_in_a_fresh_process(tmp_path):
    done = subprocess.run([sys.executable, "-c", REPORT], cwd=tmp_path, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert all(found["registries"].values()), f"empty registries: {found['registries']}"
    assert {"layers", "losses", "optimisers", "datasets", "explainers", "agents"} <= set(found["registries"])
    assert found["kinds"] == ["compress", "continual", "generative", "rl", "stdp", "supervised"]
    assert found["formats"] == ["dlx-agent", "dlx-generative", "dlx-model"]


def test_no_command_imports_a_package_only_for_its_registrations():
    """A bare ``import dlx.x`` in dlx/cli is a registration side effect: commands call load_components()."""
    bare = []
    for path in (ROOT / "dlx" / "cli").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import) and any(alias.name.startswith("dlx.") for alias in node.names):
                bare.append(f"{path.name}:{node.lineno}")
    assert not bare, bare
