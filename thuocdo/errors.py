"""Errors shared by every layer: a bad parameter is the caller's fault, answered with 400, never 500."""

from __future__ import annotations


class InvalidParameter(ValueError):
    """A query parameter, path part or field the caller sent is malformed or out of range.

    `param` names it exactly as the caller sent it (`period`, `from`, `week`…); `message` is in
    Vietnamese and says what is accepted. The API answers `{"detail": message, "param": param}` with
    status 400; pages answer 400 with the message on the page.
    """

    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message
