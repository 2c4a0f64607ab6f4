"""``dlx summary`` in a fresh process counts the parameters of a Fire module and a ResNet basic block
as the papers' layer sizes give them (the configs are written here, as a user writes them)."""
from tests.cli.cli_process import dlx, output_of, write

CONFIG = """\
description: a Fire module and a ResNet basic block on the 8x8 digits
dataset: {name: digits, options: {flatten: false}, validation: 0, test: 0}
loss: cross_entropy
model:
  blocks:
    fire:                                           # Fire(96, 16, 64, 64): squeeze 16, expand 64 + 64
      - conv2d: {filters: 16, kernel_size: 1}
      - relu
      - branches:
          merge: concat
          paths:
            - [conv2d: {filters: 64, kernel_size: 1}, relu]
            - [conv2d: {filters: 64, kernel_size: 3, padding: 1}, relu]
    basic:                                          # relu(x + bn(conv(relu(bn(conv(x)))))), 64 channels
      - residual:
          layers:
            - conv2d: {filters: 64, kernel_size: 3, padding: 1, bias: false}
            - batch_norm2d
            - relu
            - conv2d: {filters: 64, kernel_size: 3, padding: 1, bias: false}
            - batch_norm2d
          shortcut: identity
      - relu
  layers:
    - conv2d: {filters: 96, kernel_size: 1}         # (96, 8, 8)
    - use: fire                                     # (128, 8, 8)
    - conv2d: {filters: 64, kernel_size: 1}         # (64, 8, 8)
    - use: basic
    - global_avg_pool2d
    - dense: {units: outputs}
"""


def block_parameters(tmp_path) -> dict[str, int]:
    """Per block, the sum of the parameters column over its rows in ``dlx summary``'s table."""
    config = write(tmp_path, CONFIG, "blocks.yaml")
    result = dlx("summary", config, "--out", tmp_path / "blocks.png", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    counts = {}
    for block in ("fire", "basic"):
        rows = [line.split() for line in result.stdout.splitlines() if line.strip().startswith(f"blocks.{block}.")]
        assert rows, result.stdout
        counts[block] = sum(int(row[-2].replace(",", "")) for row in rows)
    return counts


def test_a_fire_module_and_a_basic_block_have_the_papers_parameter_counts(tmp_path):
    counts = block_parameters(tmp_path)
    # Fire(96, 16, 64, 64): squeeze 96*16 + 16, expand 16*64 + 64 and 16*9*64 + 64 (Iandola et al. 2016, fire2)
    assert counts["fire"] == 11_920
    # basic block, 64 channels: two bias-free 3x3 convolutions 2 * 64*64*9, two batch norms 2 * (64 + 64)
    assert counts["basic"] == 73_984
