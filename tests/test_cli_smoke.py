from typer.testing import CliRunner

from meili import __version__
from meili.cli import app


def test_version_command_prints_package_version():
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == __version__


def test_a_bad_output_suffix_is_refused_before_any_work(tmp_path):
    """Air and water commands check `-o` while parsing: the input is never read (here it does not even exist)."""
    for args in (["air", "hourly", str(tmp_path / "missing.csv")],
                 ["water", "classify", str(tmp_path / "missing.csv")]):
        result = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "out.txt")])
        assert result.exit_code == 2, result.output
        assert ".csv 或 .parquet" in result.output and "'.txt'" in result.output
        assert not (tmp_path / "out.txt").exists()
