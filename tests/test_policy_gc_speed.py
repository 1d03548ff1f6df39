"""A full check runs with the cyclic garbage collector paused (its objects form no cycles and
each full collection walked them all again), restores it after, and freezes what is alive
only after a large check: a small one leaves the collector as it found it."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable

import pytest

from charter.commands import check as command
from charter.gate import CheckOptions
from charter.result import CheckResult
from conftest import GitRepo


def _observed(seen: list[bool]) -> Callable[[CheckOptions], CheckResult]:
    real = command.gate

    def gate(options: CheckOptions) -> CheckResult:  # the real gate, watched
        seen.append(gc.isenabled())
        return real(options)

    return gate


def test_a_full_check_pauses_the_collector_and_restores_it(governed: GitRepo,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    root = governed.root
    seen: list[bool] = []
    monkeypatch.setattr(command, "gate", _observed(seen))
    options = CheckOptions(root=root, today=dt.date(2026, 11, 27), evidence="none",
                           scope_all=True)
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    command.run_check(options, github=False)
    assert seen == [False]  # paused while it judged
    assert gc.isenabled()
    # a small check freezes nothing (the count can only fall: a frozen object that another
    # test left behind may be freed meanwhile)
    assert gc.get_freeze_count() <= frozen

    monkeypatch.setattr(command, "LARGE_CHECK", 1)  # as if it were large
    try:
        command.run_check(options, github=False)
        assert gc.isenabled()
        assert gc.get_freeze_count() > frozen
    finally:
        gc.unfreeze()


def test_a_check_of_the_change_leaves_the_collector_running(governed: GitRepo,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    seen: list[bool] = []
    monkeypatch.setattr(command, "gate", _observed(seen))
    command.run_check(CheckOptions(root=governed.root,
                                   today=dt.date(2026, 11, 27), evidence="none"),
                      github=False)
    assert seen == [True]
