"""Bad input to the people capability: a field and what is wrong with it."""


class Problem(ValueError):
    """Refused input, naming the field (as the form calls it) and the problem; nothing was
    changed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
