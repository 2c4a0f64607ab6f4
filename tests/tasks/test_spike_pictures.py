"""The pictures of a spiking run: a raster per coding and LIF layer, the last layer's membranes."""
import numpy as np

from dlx.models.builder import build_model
from dlx.tasks.spikes import spike_record, write_spike_pictures


def test_rasters_and_membranes_of_one_example(tmp_path):
    rng = np.random.default_rng(0)
    model = build_model({"layers": [{"rate_coding": {"steps": 7}}, {"time_dense": {"units": 9}}, "lif",
                                    {"time_dense": {"units": "outputs"}}, "lif", "spike_count"]}, (5,), 3, rng)
    example = rng.random(5).astype(np.float32)
    record = spike_record(model, example)
    assert [spikes.shape for _, spikes, _, _ in record] == [(7, 5), (7, 9), (7, 3)]
    assert all(membrane.shape == spikes.shape for _, spikes, membrane, _ in record[1:])
    written = write_spike_pictures(model, example, "2", tmp_path)
    assert [p.name for p in written] == ["spikes.png", "membrane.png"] and all(p.stat().st_size for p in written)
    plain = build_model({"layers": [{"dense": {"units": "outputs"}}]}, (5,), 3, rng)
    assert write_spike_pictures(plain, example, "2", tmp_path / "none") == []
