"""The command line explains itself and fails clearly."""

from pathlib import Path

from typer.testing import CliRunner

from orchestration.cli import app

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "generate", "run", "campaigns", "ui"):
        assert command in result.output


def test_generate_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "something.txt").write_text("x")
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--scale", "0.01"])
    assert result.exit_code != 0


def test_campaigns_without_a_warehouse_says_what_to_do(tmp_path: Path) -> None:
    result = runner.invoke(app, ["campaigns", "--warehouse", str(tmp_path / "none.duckdb")])
    assert "leadledger run" in result.output
