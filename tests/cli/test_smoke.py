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


def test_cli_start_up_loads_no_engine():
    """`meili --help` and `meili version` answer without loading Ibis, DuckDB, pyarrow or the plan model: each
    command imports what it needs when it runs (a fresh interpreter, so modules other tests loaded don't count)."""
    import subprocess
    import sys

    heavy = ("ibis", "duckdb", "pyarrow", "pydantic", "pandas", "meili.plan", "meili.store", "meili.evaluate")
    code = f"import sys, meili.cli; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_rank_help_lists_the_engines_methods():
    from meili.cli.evaluate import RANK_METHODS
    from meili.evaluate.composite import METHODS

    assert RANK_METHODS == METHODS
    assert all(m in CliRunner().invoke(app, ["rank", "--help"]).output for m in METHODS)


def test_with_progress_returns_the_result_and_raises_the_error_of_the_query():
    """Long queries run in a worker thread while the bar reads DuckDB's progress; result and errors come back."""
    import ibis
    import pytest

    from meili.cli._common import counted, with_progress

    con = ibis.duckdb.connect()
    total = with_progress("sum", lambda: con.raw_sql("SELECT sum(range) FROM range(1000000)").fetchone()[0],
                          backend=con)
    assert total == 999_999 * 1_000_000 // 2
    assert with_progress("no backend: a spinner", lambda: 42) == 42
    with pytest.raises(ZeroDivisionError):
        with_progress("fails", lambda: 1 / 0, backend=con)
    with counted("files", 3) as advance:
        for _ in range(3):
            advance("a file")
