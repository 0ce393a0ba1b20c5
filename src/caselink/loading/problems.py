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
