"""What is wrong with an input file, said so a person can find and fix it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    line: int  # 1-based physical line; 0 when the problem is the file as a whole
    field: str  # column name, or "header" / "file"
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"


class LoadRejected(Exception):
    """The file had problems; nothing from it was stored."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        count = len(problems)
        super().__init__(f"{file}: {count} problem{'s' if count != 1 else ''}; nothing was loaded")


class StoreFailed(LoadRejected):
    """The database could not take the file (disk full, I/O error, connection lost); the
    transaction was rolled back, so nothing from it was stored and a re-run is safe."""

    def __init__(self, file: str, cause: str) -> None:
        advice = (
            f"the database could not store it ({cause}; is the disk full?): nothing from this "
            "file was stored; free some space and run the same command again"
        )
        super().__init__(file, [Problem(file, 0, "file", advice)])
