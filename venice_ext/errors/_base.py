"""The root of the tree, and what makes every error pickle round-trip."""

from __future__ import annotations

from typing import Any

__all__ = ["ConfigurationError", "VeniceError"]


def _restore(cls: type[VeniceError], args: tuple[Any, ...], state: dict[str, Any]) -> VeniceError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


def _picklable(value: Any) -> bool:
    # Only a pickled error needs pickle; importing it with every error cost import time.
    import pickle

    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True


class VeniceError(Exception):
    """Base of every error venice_ext raises."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The classes are split over private modules; users, tracebacks and pickles
        # know them by the one public module.
        if cls.__module__.startswith("venice_ext.errors."):
            cls.__module__ = "venice_ext.errors"

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own pickling calls cls(*args), which keyword-only fields break
        # (a ProcessPoolExecutor then reports BrokenProcessPool). Rebuilding from the
        # state needs no constructor. What cannot travel (a job bound to a live client)
        # arrives as None; `job_json` holds everything needed to resume it.
        state = {key: value if _picklable(value) else None for key, value in self.__dict__.items()}
        return (_restore, (type(self), self.args, state))


VeniceError.__module__ = "venice_ext.errors"


class ConfigurationError(VeniceError):
    """The client cannot be built as asked (no API key, an unsafe base URL...)."""
