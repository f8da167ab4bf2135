"""The data path: read → prefilter → (cache) → the one visitor → write or diff. No printing."""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable, Optional, Sequence

from .analysis import ParseError, analyze, hazards_in_scope, may_have_findings
from .cache import Cache, content_key
from .config import Settings
from .diffs import unified_diff
from .findings import Finding
from .safety import check_rewrite
from .source import FileSnapshot, SourceError, SourceFile, decode_source, encode_source, read_file, write_atomic
from .suppressions import NoqaProblem

NOTEBOOK_SUFFIX = ".ipynb"
# Below this much work a process pool (fork, pipes, ~40 ms) costs more than it saves; measured on
# timm's model files: 60 kB breaks even, 200 kB (ten files) saves ~0.1 s of ~0.7 s.
_PARALLEL_MIN_FILES = 2
_PARALLEL_MIN_BYTES = 50_000
# A file above this size is analysed alone, after the pool has finished: its parse takes memory in
# proportion (a 5 MB module of layers peaks near 1 GB), which must not add up across workers.
HUGE_FILE_BYTES = 1_000_000


class Mode(Enum):
    FIX = "fix"
    CHECK = "check"
    DIFF = "diff"


@dataclass
class FileOutcome:
    path: str
    findings: list[Finding] = field(default_factory=list)
    error: Optional[str] = None  # one line, already naming the file
    changed: bool = False  # fix mode: written; check/diff mode: would be written
    diff: str = ""
    seconds: Optional[float] = None  # time spent analysing it (None: it was never analysed)
    processed_alone: bool = False  # above HUGE_FILE_BYTES: analysed with no worker beside it
    new_bytes: Optional[bytes] = None  # fix mode: the fixed file (written by run_files, or for stdout)
    noqa_problems: tuple[NoqaProblem, ...] = ()  # malformed noqa comments, for warnings
    # Fix mode: what remains, positioned in the fixed file; used once that file is written.
    findings_as_written: Optional[list[Finding]] = None
    builds_norm_layers: bool = False  # see scope_hazards


def run_files(
    paths: Sequence[str], mode: Mode, settings: Settings, cache: Optional[Cache] = None, jobs: int = 1
) -> list[FileOutcome]:
    """Outcomes in the order of `paths`, whatever the number of jobs; hazards not yet scoped (see
    scope_hazards: the caller knows the whole run)."""
    outcomes: list[Optional[FileOutcome]] = [None] * len(paths)
    pending: list[tuple[int, FileSnapshot, Optional[str]]] = []  # (index, the file as read, cache key)
    for index, path in enumerate(paths):
        try:
            snapshot = read_file(path)
        except SourceError as error:
            outcomes[index] = FileOutcome(path, error=str(error))
            continue
        raw = snapshot.raw
        if not may_have_findings(raw, settings.extra_classes):
            outcomes[index] = FileOutcome(path)
            continue
        key = content_key(raw) if cache is not None else None
        cached = cache.get(key) if cache is not None and key is not None else None
        # A cached result answers a check; fix and diff need the analysis again only to change something.
        if cached is not None and (mode is Mode.CHECK or not cached.changed):
            outcomes[index] = FileOutcome(
                path, findings=list(cached.findings), changed=cached.changed,
                builds_norm_layers=cached.builds_norm_layers,
            )
            continue
        pending.append((index, snapshot, key))

    work = [(paths[index], snapshot.raw, mode, settings) for index, snapshot, _ in pending]
    results = _map(work, jobs)
    for (index, snapshot, key), (outcome, cacheable) in zip(pending, results):
        if mode is Mode.FIX and outcome.changed:
            _write(outcome, snapshot)
            _use_findings_as_written(outcome)
        outcomes[index] = outcome
        if cache is not None and key is not None and cacheable is not None:
            cache.put(key, *cacheable)
    if cache is not None:
        cache.save()
    return [outcome for outcome in outcomes if outcome is not None]


def scope_hazards(outcomes: list[FileOutcome]) -> list[FileOutcome]:
    """Hazards (BN009-BN011) are per run: shown in every file when some file of the run builds norm
    layers, dropped everywhere when none does (nothing the fix changes can break them then)."""
    in_scope = hazards_shown(outcomes)
    for outcome in outcomes:
        outcome.findings = hazards_in_scope(outcome.findings, in_scope)
    return outcomes


def hazards_shown(outcomes: list[FileOutcome]) -> bool:
    """Whether a run with these outcomes shows its hazards: some file of it builds norm layers."""
    return any(outcome.builds_norm_layers for outcome in outcomes)


def available_cpus() -> int:
    """The CPUs this process may run on (a container or taskset may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on macOS or Windows
        return os.cpu_count() or 1


def _map(work: list[tuple], jobs: int) -> list[tuple[FileOutcome, Optional[tuple[list[Finding], bool, bool]]]]:
    """_process_raw over `work`, in its order; huge files last, one at a time, beside no worker."""
    huge = [index for index, item in enumerate(work) if len(item[1]) > HUGE_FILE_BYTES]
    shared = [index for index, item in enumerate(work) if len(item[1]) <= HUGE_FILE_BYTES]
    in_order: list = [None] * len(work)
    for index, result in zip(shared, _map_shared([work[index] for index in shared], jobs)):
        in_order[index] = result
    for index in huge:
        in_order[index] = _process_raw(*work[index])
        in_order[index][0].processed_alone = True
    return in_order


def _map_shared(work: list[tuple], jobs: int) -> list:
    total_bytes = sum(len(raw) for _, raw, _, _ in work)
    workers = min(jobs, len(work), available_cpus())
    if workers <= 1 or len(work) < _PARALLEL_MIN_FILES or total_bytes < _PARALLEL_MIN_BYTES:
        return [_process_raw(*item) for item in work]
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if hasattr(os, "fork") else "spawn"
    if method == "fork":
        # Imported once, before the fork: the workers inherit it instead of each paying ~0.3 s.
        from . import visitor  # noqa: F401  (imports libcst)

    # Largest files first, one at a time, keeps both cores busy to the end; results go back to
    # the order of `work`, so the output never depends on the number of jobs.
    largest_first = sorted(range(len(work)), key=lambda index: -len(work[index][1]))
    context = multiprocessing.get_context(method)
    # Frozen, the inherited objects are never scanned (nor their pages copied) by the workers'
    # collections: -50 ms of CPU on ten files. Unfrozen after, for callers of the Python API.
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            results = list(pool.map(_process_raw_tuple, [work[index] for index in largest_first], chunksize=1))
    finally:
        gc.unfreeze()
    in_order: list = [None] * len(work)
    for result, index in zip(results, largest_first):
        in_order[index] = result
    return in_order


def _process_raw_tuple(item: tuple):
    return _process_raw(*item)


def _write(outcome: FileOutcome, snapshot: FileSnapshot) -> None:
    """Fix mode: replace the file with the fix, only if it is still the file that was read."""
    try:
        write_atomic(snapshot.path, outcome.new_bytes, read=snapshot)
    except SourceError as error:
        outcome.error, outcome.changed = str(error), False
        outcome.findings = [dataclasses.replace(f, fixed=False) for f in outcome.findings]


def _process_raw(path: str, raw: bytes, mode: Mode, settings: Settings):
    """One file's outcome (in fix mode with the fixed bytes, not yet written), and what the cache
    may keep of it (None: nothing)."""
    started = time.perf_counter()
    outcome, cacheable = _analyse_raw(path, raw, mode, settings)
    outcome.seconds = time.perf_counter() - started
    return outcome, cacheable


def _analyse_raw(path: str, raw: bytes, mode: Mode, settings: Settings):
    if path.endswith(NOTEBOOK_SUFFIX):
        outcome = process_notebook(path, raw, mode, settings)
    else:
        try:
            source = decode_source(raw, path)
        except SourceError as error:
            return FileOutcome(path, error=str(error)), None
        outcome = process_source(source, mode, settings)
    if outcome.error or outcome.noqa_problems:  # not cached: the warning must show on every run
        return outcome, None
    original_findings = [dataclasses.replace(f, fixed=False) for f in outcome.findings]
    outcome.findings_as_written = _findings_as_written(outcome, settings)
    return outcome, (original_findings, outcome.changed, outcome.builds_norm_layers)


def _internal_error(path: str, error: Exception) -> str:
    """One line naming the file and the exception, even when the exception's own text is several lines
    (libcst's ParserSyntaxError) or cannot be made at all (its str() raises for an empty input)."""
    try:
        text = str(error).strip()
    except Exception:
        text = ""
    first_line = text.splitlines()[0] if text else ""
    return f"{path}: internal error: {type(error).__name__}" + (f": {first_line}" if first_line else "")


def process_source(source: SourceFile, mode: Mode, settings: Settings) -> FileOutcome:
    path = source.path
    try:
        # analyze() applies the prefilter itself; --check needs the findings, not the new code.
        analysis = analyze(source.text, settings, need_source=mode is not Mode.CHECK)
    except ParseError as error:
        location = f"{path}:{error.line}:{error.column}" if error.line else path
        return FileOutcome(path, error=f"{location}: {error.message}")
    except Exception as error:  # a bug of ours must not hide the other files' results
        return FileOutcome(path, error=_internal_error(path, error))

    outcome = FileOutcome(
        path, findings=analysis.findings, changed=analysis.changed, noqa_problems=analysis.noqa_problems,
        builds_norm_layers=analysis.builds_norm_layers,
    )
    if not analysis.changed or mode is Mode.CHECK:
        return outcome
    # The safety net, as black's AST check: the new source must parse, and differ from the old
    # only by the edits the visitor says it made. Otherwise nothing is written or shown.
    unsafe = check_rewrite(source.text, analysis.new_source, analysis.edits)
    if unsafe is not None:
        outcome.error = f"{path}: internal error: refusing to write an unintended change: {unsafe}"
        outcome.changed = False
        return outcome
    return _deliver(outcome, mode, source.text, analysis.new_source, lambda text: encode_source(source, text))


def process_notebook(path: str, raw: bytes, mode: Mode, settings: Settings) -> FileOutcome:
    """A .ipynb file: its code cells through the same visitor, its JSON otherwise untouched."""
    from .notebook import NotebookError, analyze_notebook

    try:
        text = raw.decode("utf-8")  # nbformat files are always UTF-8
    except UnicodeDecodeError as error:
        return FileOutcome(path, error=f"{path}: cannot decode as utf-8: invalid byte 0x{raw[error.start]:02x}")
    try:
        result = analyze_notebook(text, settings=settings)
    except NotebookError as error:
        return FileOutcome(path, error=f"{path}: {error}")
    except Exception as error:  # a bug of ours must not hide the other files' results
        return FileOutcome(path, error=_internal_error(path, error))
    outcome = FileOutcome(
        path, findings=result.findings, changed=result.changed, noqa_problems=result.noqa_problems,
        builds_norm_layers=result.builds_norm_layers,
    )
    if not result.changed:
        return outcome
    return _deliver(outcome, mode, text, result.new_text, lambda new_text: new_text.encode("utf-8"))


def relocate_remaining(outcome: FileOutcome, settings: Settings) -> FileOutcome:
    """After a fix, what remains is reported where it is in the fixed file (a fix can add lines
    above it), as ruff does; a fixed finding keeps the position it had. For stdin; run_files does
    the same once the file is written."""
    outcome.findings_as_written = _findings_as_written(outcome, settings)
    _use_findings_as_written(outcome)
    return outcome


def _findings_as_written(outcome: FileOutcome, settings: Settings) -> Optional[list[Finding]]:
    if outcome.error or outcome.new_bytes is None or all(f.fixed for f in outcome.findings):
        return None
    from .notebook import NotebookError, analyze_notebook

    try:
        if outcome.path.endswith(NOTEBOOK_SUFFIX):
            return analyze_notebook(outcome.new_bytes.decode("utf-8"), settings=settings).findings
        return analyze(decode_source(outcome.new_bytes, outcome.path).text, settings, need_source=False).findings
    except (ParseError, SourceError, NotebookError, UnicodeDecodeError):
        return None  # cannot happen to a checked rewrite; the positions from before it still help


def _use_findings_as_written(outcome: FileOutcome) -> None:
    if outcome.findings_as_written is not None and not outcome.error:
        outcome.findings = [f for f in outcome.findings if f.fixed] + outcome.findings_as_written
    outcome.findings_as_written = None


def _deliver(
    outcome: FileOutcome, mode: Mode, old_text: str, new_text: str, encode: Callable[[str], bytes]
) -> FileOutcome:
    """The fix as a diff (--diff) or as bytes to write (fix mode); a failure is the file's error."""
    try:
        new_bytes = encode(new_text)
        if mode is Mode.DIFF:
            outcome.diff = unified_diff(outcome.path, old_text, new_text)
        elif mode is Mode.FIX:
            outcome.new_bytes = new_bytes
            outcome.findings = [dataclasses.replace(f, fixed=f.fixable) for f in outcome.findings]
    except SourceError as error:
        outcome.error, outcome.changed = str(error), False
    except UnicodeEncodeError as error:
        outcome.error, outcome.changed = f"{outcome.path}: cannot encode as utf-8: {error.reason}", False
    return outcome

