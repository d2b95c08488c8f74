from __future__ import annotations

from pathlib import Path

import pytest


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
