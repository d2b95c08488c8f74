from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-spark",
        action="store_true",
        default=False,
        help="skip the Spark tests (tests/spark; also LEADLEDGER_SKIP_SPARK=1). CI runs them.",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not (config.getoption("--no-spark") or os.environ.get("LEADLEDGER_SKIP_SPARK") == "1"):
        return
    skip = pytest.mark.skip(reason="Spark tests skipped (--no-spark / LEADLEDGER_SKIP_SPARK=1)")
    for item in items:
        if "spark" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path


def write_drop(
    landing: Path,
    system: str,
    drop: str,
    file_name: str,
    content: str | bytes,
    encoding: str = "utf-8",
) -> Path:
    folder = landing / system / drop
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path
