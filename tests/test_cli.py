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
    assert result.exit_code == 2
    assert "already contains files" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["something.txt"]


def test_generate_names_the_bad_parameter(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    result = runner.invoke(app, ["generate", "--out", str(out), "--end", "2025-02-30"])
    assert result.exit_code == 2
    assert "--end" in result.output and "2025-02-30" in result.output
    result = runner.invoke(
        app,
        [
            "generate",
            "--out",
            str(out),
            "--start",
            "2025-01-01",
            "--end",
            "2025-01-10",
            "--daily-tail-days",
            "10",
        ],
    )
    assert result.exit_code == 2
    assert "daily_tail_days must be between 0 and 9" in " ".join(result.output.split())
    assert not out.exists() or not any(out.rglob("*.*"))


def test_campaigns_without_a_warehouse_says_what_to_do(tmp_path: Path) -> None:
    result = runner.invoke(app, ["campaigns", "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "No warehouse at" in result.output and "run `leadledger run` first" in result.output


def test_demo_generates_sample_extracts_when_no_landing_is_configured(
    tmp_path: Path, monkeypatch
) -> None:
    import orchestration.cli as cli

    monkeypatch.delenv("LEADLEDGER_LANDING", raising=False)
    monkeypatch.setenv("LEADLEDGER_WAREHOUSE", str(tmp_path / "wh" / "w.duckdb"))
    monkeypatch.setattr(cli.settings, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(cli.settings, "landing_path", lambda: tmp_path / "data" / "landing")
    ran = []
    monkeypatch.setattr(cli, "run_pipeline", lambda: ran.append(True) or True)
    monkeypatch.setattr(cli, "_print_answers", lambda *a, **k: None)
    result = runner.invoke(app, ["demo", "--scale", "0.01"])
    assert result.exit_code == 0, result.output
    assert ran == [True]
    assert (tmp_path / "data" / "landing" / "crm").is_dir()
