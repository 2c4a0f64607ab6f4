"""``dlx predict`` reads every data row: the header rule, run as a user runs it (issue 26, item 4)."""
import pytest

from tests.cli.cli_process import XOR, assert_one_error_line, dlx, output_of, train, write


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory):
    """A run trained in another process on the xor data (features x1, x2)."""
    return train(tmp_path_factory.mktemp("xor"), XOR)


def predictions(result) -> list[str]:
    assert result.returncode == 0, output_of(result)
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("prediction,"), lines
    return lines[1:]


def test_a_csv_without_a_header_keeps_its_first_row(xor_run, tmp_path):
    rows = write(tmp_path, "0,1\n1,1\n", "rows.csv")  # two rows in: two predictions out
    assert len(predictions(dlx("predict", xor_run, rows, cwd=tmp_path))) == 2


@pytest.mark.parametrize("header", ["x1,x2", "x2,x1", "first,second"])
def test_a_header_of_names_is_not_a_row(xor_run, tmp_path, header):
    rows = write(tmp_path, f"{header}\n0,1\n1,1\n", "rows.csv")
    assert len(predictions(dlx("predict", xor_run, rows, cwd=tmp_path))) == 2


def test_the_columns_follow_the_headers_names(xor_run, tmp_path):
    in_order = predictions(dlx("predict", xor_run, write(tmp_path, "x1,x2\n0,1\n1,1\n", "a.csv"), cwd=tmp_path))
    swapped = predictions(dlx("predict", xor_run, write(tmp_path, "x2,x1\n1,0\n1,1\n", "b.csv"), cwd=tmp_path))
    assert in_order == swapped


def test_header_and_no_header_decide_explicitly(xor_run, tmp_path):
    rows = write(tmp_path, "0,1\n1,1\n", "rows.csv")
    assert len(predictions(dlx("predict", xor_run, rows, "--header", cwd=tmp_path))) == 1
    assert len(predictions(dlx("predict", xor_run, rows, "--no-header", cwd=tmp_path))) == 2
    named = write(tmp_path, "x1,x2\n0,1\n", "named.csv")
    assert_one_error_line(dlx("predict", xor_run, named, "--no-header", cwd=tmp_path), "named.csv",
                          "non-numeric", "add --header")


def test_a_header_without_rows_is_one_line(xor_run, tmp_path):
    rows = write(tmp_path, "x1,x2\n", "rows.csv")
    assert_one_error_line(dlx("predict", xor_run, rows, cwd=tmp_path), "no data rows (only a header: x1, x2)")
