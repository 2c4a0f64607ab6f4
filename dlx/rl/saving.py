"""A trained agent in the one model format: ``model.json`` (format ``dlx-agent``) + ``model.npz``.

``model.json`` names the agent and the environment it was trained on; ``model.npz`` holds the
agent's arrays and its JSON record (``Agent.state_dict``, read with ``allow_pickle=False``).
``dlx.inference.load_model`` opens it through the loader registered here, which also opens runs
made before this format (only ``checkpoints/agent.npz``, the environment read from config.yaml)::

    save_agent_model(agent, config.environment, run_dir)
    loaded = load_model(run_dir)          # LoadedAgent(agent, environment)
    play(loaded.agent, loaded.environment, episodes=100, rng=np.random.default_rng(0))
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from dlx.errors import CheckpointError
from dlx.inference.formats import register_format
from dlx.rl.agent import Agent
from dlx.rl.experiment import load_rl_config, restore_agent
from dlx.rl.settings import EnvironmentSettings
from dlx.runs.checkpoint import load_checkpoint, save_checkpoint
from dlx.runs.files import atomic_write_json

FORMAT = "dlx-agent"
LEGACY_FILE = "checkpoints/agent.npz"  # what RL runs held before model.json + model.npz


@dataclass
class LoadedAgent:
    """A trained agent, set up on the environment it was trained on."""

    agent: Agent
    environment: EnvironmentSettings


def save_agent_model(agent: Agent, environment: EnvironmentSettings, folder: Path | str) -> None:
    """Write ``model.json`` and ``model.npz`` of ``agent`` into ``folder``."""
    folder = Path(folder)
    arrays, meta = agent.state_dict()
    save_checkpoint(folder / "model.npz", arrays, {"kind": "agent", **meta})
    atomic_write_json(folder / "model.json", {"format": FORMAT, "version": 1, "agent": agent.registry_name,
                                              "environment": environment.model_dump(mode="json")})


@register_format(FORMAT, legacy=LEGACY_FILE)
def load_agent_model(run_dir: Path, description: dict) -> LoadedAgent:
    """The agent of an RL run folder: from model.json + model.npz, or an older run's checkpoints/agent.npz."""
    if description.get("legacy"):
        if not (run_dir / "config.yaml").is_file():
            raise CheckpointError(f"'{run_dir}' has {LEGACY_FILE} but no config.yaml to say its environment; "
                                  f"train the run again with dlx train CONFIG")
        environment = load_rl_config(run_dir / "config.yaml").environment
        arrays, meta = load_checkpoint(run_dir / LEGACY_FILE)
    else:
        try:
            environment = EnvironmentSettings.model_validate(description.get("environment"))
        except ValidationError:
            raise CheckpointError(f"'{run_dir / 'model.json'}' lacks a valid 'environment'; the run folder is "
                                  f"damaged: restore the file or train the run again") from None
        arrays, meta = load_checkpoint(run_dir / "model.npz")
    if not isinstance(meta.get("settings"), dict) or "name" not in meta["settings"]:
        raise CheckpointError(f"'{run_dir}' does not hold an agent's record; give the folder of an RL run")
    return LoadedAgent(restore_agent(arrays, meta, environment), environment)
