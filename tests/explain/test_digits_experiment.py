"""The digits-CNN experiment runs end to end (a few images; the full figures come from the script)."""
import pytest

from experiments import explain_digits_cnn


@pytest.mark.slow
def test_ig_on_a_digits_cnn_beats_a_random_order():
    report = explain_digits_cnn.main(images=3, seed=0, methods=("integrated_gradients",), attack=False)
    ig = report["integrated_gradients"]
    assert ig["deletion_area"] < ig["random_area"] and ig["falls_faster"] == 1.0
