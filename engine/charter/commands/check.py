"""`charter check`: judge the change from a base revision to the head against the policies."""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from charter.errors import CharterError
from charter.extras import require
from charter.gate import CheckOptions, gate
from charter.github.actions import ActionsRun
from charter.policy.parallel import MIN_PER_WORKER
from charter.reporters import OutputSpec, Style, write_outputs
from charter.result import CheckResult


def run_check(options: CheckOptions, outputs: Sequence[OutputSpec] = (),
              reports_dir: str | None = None, github: bool = True, style: Style | None = None
              ) -> int:
    """`reports_dir`: write the change report PDF and its manifest there. `github`: in GitHub
    Actions, also write annotations, the step summary and step outputs. `style`: colour and
    verbosity of what is printed."""
    style = style or Style()
    actions = ActionsRun.detect(os.environ) if github else None
    started = time.perf_counter()
    try:
        if reports_dir:
            require("reports", "--reports cannot render the change report")
        result = _gate(options)
    except CharterError as error:
        if actions:
            actions.publish_error(error)
        raise
    result = replace(result, reports=tuple(s.path for s in outputs if s.path),
                     links=actions.links(result.head.commit) if actions else {},
                     seconds=time.perf_counter() - started)
    if reports_dir:
        result = _change_report(result, options, reports_dir, style.verbosity >= 0)
    if actions is None:
        write_outputs(result, outputs, options.root, style)
        return result.exit_code
    actions.publish(result, outputs)  # its annotations' group header states the verdict
    with actions.commands_stopped(outputs):
        write_outputs(result, outputs, options.root, replace(style, verdict_line=False))
    return result.exit_code


# entities judged from which a full check's objects are frozen once it has judged them
LARGE_CHECK = 2 * MIN_PER_WORKER


def _gate(options: CheckOptions) -> CheckResult:
    """The gate; a full check with the cyclic garbage collector paused while it runs.

    A full check of a large inventory builds millions of objects that live until the end
    and form no cycles, and each full collection walked them all again (at 100,000 versions,
    about two seconds). What is alive when a large check ends is frozen, as
    `parallel.in_parallel` freezes what it judged, so that no later collection (while the
    result is written) walks it; after a small check the collector goes on as usual."""
    if not options.scope_all:
        return gate(options)
    was_enabled = gc.isenabled()
    gc.disable()
    result: CheckResult | None = None
    try:
        result = gate(options)
        return result
    finally:
        if was_enabled:
            if result is not None and result.entities_evaluated >= LARGE_CHECK:
                gc.freeze()
            gc.enable()


def _change_report(result: CheckResult, options: CheckOptions, reports_dir: str, tell: bool
                   ) -> CheckResult:
    from charter.report.change import write_change_report

    before = set(result.reports)
    result = write_change_report(result, options.root, Path(reports_dir),
                                 reviews_checked=options.reviews is not None, env=os.environ)
    for path in result.reports:
        if path not in before and tell:
            sys.stderr.write(f"charter: wrote {path}\n")  # stdout may carry a JSON result
    return result
