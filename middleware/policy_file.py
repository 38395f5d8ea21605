"""The policy file on disk: loaded at start-up, reloaded in place when it changes."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from slots.errors import PolicyError, PolicyErrors
from slots.policy import Policy

__all__ = ["PolicyFile"]

logger = logging.getLogger("cheers.policy")

#: What identifies one version of the file without reading it: (mtime_ns, size, inode).
_Stamp = tuple[int, int, int]


class PolicyFile:
    """A policy file that follows its edits without a restart.

    The constructor loads the file and raises :class:`~slots.errors.PolicyErrors` when it
    is unreadable or invalid, so start-up aborts. :meth:`current` is cheap: at most once per
    ``check_interval`` seconds it compares the file's mtime, size and inode with the loaded
    version's, and reloads on a change. A valid edit takes effect at once; an invalid one is
    logged at ERROR with every diagnostic and the previous policy keeps serving. A bad
    version is parsed once, not at every check: the next attempt is the next change.
    """

    __slots__ = ("path", "_loader", "_interval", "_monotonic", "_policy", "_stamp", "_due")

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        loader: Callable[[str, str], Policy],
        check_interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self._loader = loader
        self._interval = check_interval
        self._monotonic = monotonic
        try:
            self._stamp: _Stamp | None = _stamp_of(self.path)
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise PolicyErrors([PolicyError(_unreadable(self.path, error))]) from error
        self._policy = loader(text, str(self.path))
        self._due = monotonic() + check_interval

    def current(self) -> Policy:
        """The policy to decide with now: the newest valid version of the file."""
        now = self._monotonic()
        if now >= self._due:
            self._due = now + self._interval
            self._refresh()
        return self._policy

    def _refresh(self) -> None:
        try:
            stamp = _stamp_of(self.path)
        except OSError as error:
            if self._stamp is not None:  # say it once, not at every check
                logger.error("%s; the previous policy keeps serving", _unreadable(self.path, error))
            self._stamp = None
            return
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            policy = self._loader(self.path.read_text(encoding="utf-8"), str(self.path))
        except PolicyErrors as errors:
            logger.error(
                "policy %s has errors; the previous policy keeps serving:\n%s", self.path, errors
            )
            return
        except (OSError, UnicodeDecodeError) as error:
            logger.error("%s; the previous policy keeps serving", _unreadable(self.path, error))
            return
        self._policy = policy
        logger.info("policy %s reloaded", self.path)


def _stamp_of(path: Path) -> _Stamp:
    status = path.stat()
    return (status.st_mtime_ns, status.st_size, status.st_ino)


def _unreadable(path: Path, error: Exception) -> str:
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return f"cannot read the policy file {path}: {reason}"
