"""A full check shared between processes judges exactly what one process judges: the same
results in the same order, the same findings with every field, and a child that fails loses
nothing."""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import pytest
from test_compiled import RULES, TODAY, _edited, _generate

from charter.errors import CharterError
from charter.inventory.diff import diff_inventories
from charter.inventory.snapshot import Snapshot, validation_problems
from charter.policy import parallel
from charter.policy.evaluate import Subject, evaluate_policies
from charter.policy.loader import _parse, assemble_policies
from charter.source.yamlsource import load_yaml_text
from charter.vcs.revisions import Revision


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_PER_WORKER", 1)
    monkeypatch.setenv(parallel.WORKERS_ENV, "3")


@pytest.mark.usefixtures("forking")
def test_processes_judge_what_one_process_judges() -> None:
    generate = _generate()
    rng = random.Random(7)
    base_text = generate.inventory_text(30)
    text = ("charter: 1\nextends: [charter:sr-11-7, charter:responsible-ai]\n"
            + generate.rules_text(21).split("\n", 1)[1] + RULES)
    policies = assemble_policies([("policies/p.yaml", "policies/p.yaml",
                                   _parse(text.encode(), "policies/p.yaml"))])
    for _ in range(4):
        base = load_yaml_text(base_text, "models.yaml").data
        head = load_yaml_text(_edited(base_text, rng), "models.yaml")
        subject = Subject(head.data, head.source, base, diff_inventories(base, head.data))
        shared = evaluate_policies(subject, policies, TODAY)
        alone = evaluate_policies(subject, policies, TODAY, plain=True)
        assert shared.results == alone.results  # every field of every finding, in order
        assert shared.findings == alone.findings
        assert any(r.status == "fail" for r in shared.results)


def _pid_marked(items: Sequence[int]) -> list[tuple[int, int]]:
    return [(item, os.getpid()) for item in items]


@pytest.mark.usefixtures("forking")
def test_work_is_shared_and_returned_in_order() -> None:
    out = parallel.in_parallel(_pid_marked, list(range(10)))
    assert [item for item, _ in out] == list(range(10))
    assert len({pid for _, pid in out}) == 3  # the parent and two children


@pytest.mark.usefixtures("forking")
def test_a_failing_child_loses_nothing() -> None:
    parent = os.getpid()

    def judge(items: Sequence[int]) -> list[int]:
        if os.getpid() != parent and 7 in items:
            raise RuntimeError("only in the child")
        return [i * 2 for i in items]

    assert parallel.in_parallel(judge, list(range(10))) == [i * 2 for i in range(10)]


@pytest.mark.usefixtures("forking")
def test_an_error_in_a_childs_chunk_is_raised_as_it_is() -> None:
    def judge(items: Sequence[int]) -> list[int]:
        if 8 in items:
            raise CharterError.at("the file disappeared while it was being read", file="x.yaml")
        return list(items)

    with pytest.raises(CharterError, match="disappeared"):
        parallel.in_parallel(judge, list(range(10)))


def test_a_short_list_is_judged_in_this_process() -> None:
    assert {pid for _, pid in parallel.in_parallel(_pid_marked, list(range(10)))} == {
        os.getpid()}


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_number_of_processes_is_refused(monkeypatch: pytest.MonkeyPatch,
                                              value: str) -> None:
    monkeypatch.setenv(parallel.WORKERS_ENV, value)
    with pytest.raises(CharterError, match="CHARTER_WORKERS must be a whole number"):
        parallel.in_parallel(_pid_marked, [1])


@pytest.mark.usefixtures("forking")
def test_records_checked_in_processes_have_the_problems_one_process_finds(
        tmp_path: Path) -> None:
    generate = _generate()
    rng = random.Random(3)
    breaks = [("stage: development", "stage: dev"), ("risk_tier: high", "risk_tier: extreme"),
              ("contains_pii: false", "contains_pii: maybe"), ("target: y", "target: [y]"),
              ("review_every_days: 365", "review_every_days: often")]
    lines = generate.inventory_text(40).splitlines()
    for _ in range(12):
        old, new = rng.choice(breaks)
        places = [i for i, line in enumerate(lines) if old in line]
        if places:
            i = rng.choice(places)
            lines[i] = lines[i].replace(old, new, 1)
    document = load_yaml_text("\n".join(lines) + "\n", "models.yaml")
    snapshot = Snapshot(Revision.worktree(tmp_path), document.data, document.source, True)
    alone = validation_problems(snapshot)
    shared = validation_problems(snapshot, share=parallel.in_parallel)
    assert len(alone) >= 6 and shared == alone  # the same problems in the same order


def _collector_state(items: Sequence[int]) -> list[bool]:
    import gc
    return [gc.isenabled() for _ in items]


def _fails(items: Sequence[int]) -> list[int]:
    raise ValueError("judging failed")


@pytest.mark.parametrize("workers", ["1", "3"])
def test_the_collector_is_paused_while_judging_and_restored_after(
        monkeypatch: pytest.MonkeyPatch, workers: str) -> None:
    import gc
    monkeypatch.setattr(parallel, "MIN_PER_WORKER", 1)
    monkeypatch.setenv(parallel.WORKERS_ENV, workers)
    assert gc.isenabled()
    assert parallel.in_parallel(_collector_state, list(range(6))) == [False] * 6
    assert gc.isenabled()
    with pytest.raises(ValueError, match="judging failed"):
        parallel.in_parallel(_fails, list(range(6)))
    assert gc.isenabled()
    gc.disable()  # paused by someone else: left paused
    try:
        parallel.in_parallel(_collector_state, list(range(6)))
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.usefixtures("forking")
def test_a_thread_that_is_ending_is_waited_for_and_a_running_one_keeps_one_process() -> None:
    import threading
    import time

    ending = threading.Thread(target=time.sleep, args=(0.02,), daemon=True)
    ending.start()  # like git's reader's writer, done with its work
    assert len({pid for _, pid in parallel.in_parallel(_pid_marked, list(range(10)))}) == 3
    running = threading.Event()
    busy = threading.Thread(target=running.wait, args=(30,), daemon=True)
    busy.start()
    try:
        out = parallel.in_parallel(_pid_marked, list(range(10)))
        assert {pid for _, pid in out} == {os.getpid()}  # never fork beside a live thread
    finally:
        running.set()
        busy.join()


def test_only_a_list_long_enough_to_share_freezes_what_is_alive(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    monkeypatch.setattr(parallel, "MIN_PER_WORKER", 5)
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    gc.unfreeze()
    try:
        parallel.in_parallel(_collector_state, list(range(9)))  # a history revision's few
        assert gc.get_freeze_count() == 0
        parallel.in_parallel(_collector_state, list(range(10)))  # a full check's many
        assert gc.get_freeze_count() > 0 and gc.isenabled()
    finally:
        gc.unfreeze()


class _Named(NamedTuple):
    rule: str
    passed: bool


class _Text(str):
    pass


def _typed(value: object) -> object:
    """The value with the exact type of every part beside it (== would take True for 1,
    0.0 for -0.0 and a str subclass for a str)."""
    if isinstance(value, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_typed(v) for v in value])
    return (type(value).__name__, repr(value))


def _varied(items: Sequence[int]) -> list[object]:
    """Plain values as a parse gives them, and values only pickle writes."""
    out: list[object] = []
    for i in items:
        record = {"name": f"m{i}", "versions": [{"auc": 0.9 + i / 100, "n": i, "ok": i % 2 == 0,
                                                 "none": None, "neg": -0.0}],
                  "z": "last", "a": "after z"}
        out.append(record if i % 3 else (record, _Named(f"R{i}", bool(i % 2)),
                                         _Text(f"t{i}"), {(1, "k"): (i, i)}))
    return out


@pytest.mark.usefixtures("forking")
@pytest.mark.parametrize("count", [9, 10])
def test_what_a_child_sends_back_is_what_it_judged_value_and_type(count: int) -> None:
    items = list(range(count))
    shared = parallel.in_parallel(_varied, items)
    assert [_typed(v) for v in shared] == [_typed(v) for v in _varied(items)]


@pytest.mark.parametrize("value", [
    [{"a": [1, 2.5, None, True, "x"]}, ("t", 1)],  # plain: marshal
    [_Named("R1", True)], [_Text("x")], [{"k": _Named("R2", False)}],  # pickle
])
def test_encoded_values_read_back_equal_and_of_the_same_types(value: object) -> None:
    tag, data = parallel.encoded(value)
    assert _typed(parallel.decoded(tag + data)) == _typed(value)


@pytest.mark.parametrize(("length", "count"), [(2, 2), (3, 3), (10, 3), (4000, 2),
                                               (140_001, 2), (99, 7)])
def test_chunks_cover_every_item_once_and_the_parent_takes_a_little_more(
        length: int, count: int) -> None:
    bounds = parallel._bounds(length, count)
    sizes = [end - start for start, end in itertools.pairwise(bounds)]
    assert bounds[0] == 0 and bounds[-1] == length and len(sizes) == count
    assert all(size >= 1 for size in sizes)
    assert sizes[0] == max(sizes) and max(sizes[1:]) - min(sizes[1:]) <= 1
    assert sizes[0] <= length / count * (1 + parallel.PARENT_EXTRA) + 1
