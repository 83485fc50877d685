"""The one error type parsing raises: its message is the readable reason stored in the warehouse."""


class ParseError(Exception):
    """A document that cannot be read; ``str(exc)`` says why in plain words."""
