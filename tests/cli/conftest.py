"""Fixtures of the command-line tests: trained runs that several modules share."""
import pytest

from tests.cli.trained_runs import train_every_kind


@pytest.fixture(scope="session")
def every_kind_runs(tmp_path_factory):
    """A supervised, a VAE, a character-LM and a Q-learning run, trained by the real ``dlx train`` once per test
    process, for modules that only read them or work on copies (a module that writes into runs works on its own copies: ``trained_runs.copies``)."""
    return train_every_kind(tmp_path_factory.mktemp("every-kind"))
