"""Errors that tell the user where the problem is and what to do about it."""

from __future__ import annotations

from pathlib import Path


class IngestionError(Exception):
    """A problem with an input file or the landing folder.

    The message names the file (and line and column where known) and says what to do.
    """

    def __init__(
        self,
        message: str,
        *,
        file: Path | str | None = None,
        line: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column!r}")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.hint:
            text += f"\n  What to do: {self.hint}"
        return text


class IngestionErrors(IngestionError):
    """Several files failed; the others were loaded."""

    def __init__(self, errors: list[IngestionError]) -> None:
        self.errors = errors
        body = "\n".join(f"- {e.render()}" for e in errors)
        super().__init__(
            f"{len(errors)} file(s) could not be loaded (all other files were):\n{body}"
        )
