"""The output folder: rosters as CSV files people open in Excel, a summary and a manifest.

Everything comes from the records (the Cohort keeps the original headers and cells); the sign-up
file is never read again. Every CSV is UTF-8 with a byte-order mark, comma-delimited, "\\n" line
endings, minimal quoting, and injection-safe: a cell (header included) that a spreadsheet would run
as a formula gets a leading `'`.

The folder appears all at once or not at all: files are written and synced in a hidden temporary
folder beside the target (`.rosters.tmp-<pid>-<random>`, holding a marker file), which is then
renamed into place. With --force, an earlier run's folder is moved aside
(`.rosters.old-<pid>-<random>`), the new one renamed in, and the old one deleted. A run that was
killed (SIGKILL, a power cut) cannot clean up after itself, so every run first removes, beside its
own output folder, the temporaries of empower runs whose process is gone: never another live
run's, and never a folder without empower's marker or holding files empower does not write.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from empower_cli.errors import OutputError
from empower_cli.layout import GROUPS_ZIP, MAX_GROUP_FILES
from empower_cli.records import Assignment, Changes, Cohort, Problem, Verdict

ASSIGNMENTS = "assignments.csv"
CHANGES = "changes.csv"
SUMMARY = "summary.csv"
#: The date every entry of GROUPS_ZIP carries, so that the same rosters give the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MANIFEST = "manifest.json"
GROUP_HEADER = "group"

#: First characters that make a spreadsheet treat a cell as a formula (OWASP), with the
#: full-width forms of = + - @.
_FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
#: Characters that force a CSV field into quotes.
_NEEDS_QUOTES = frozenset(',"\r\n')
_QUOTE_OR_BREAK = re.compile('["\r\n]')
#: Names empower writes into an output folder; --force only replaces a folder holding nothing else.
_OWN_FILE = re.compile(
    r"(assignments|summary|changes)\.csv|manifest\.json|group-[0-9]{2,}\.csv"
    r"|groups\.zip|rosters\.xlsx|report\.html"
)
#: The marker file inside empower's temporary folders: it holds the owning process's id.
MARKER = ".empower-temporary"
#: A temporary folder's name: `.<out>.tmp-<pid>-<random>` (staging) or `.<out>.old-<pid>-<hex>`
#: (an earlier run's rosters moved aside by --force).
_TEMPORARY = re.compile(r"\.(?P<out>.+)\.(?P<kind>tmp|old)-(?P<pid>[0-9]+)-[0-9a-z_]+")


# --- cells and CSV text -------------------------------------------------------------------------


def escape_cell(cell: str) -> str:
    """The cell with a leading `'` when a spreadsheet would read it as a formula."""
    if cell and cell[0] in _FORMULA_STARTS:
        return "'" + cell
    return cell


def _csv_field(cell: str) -> str:
    """One cell as CSV text: escaped, and quoted only when it must be."""
    cell = escape_cell(cell)
    if _NEEDS_QUOTES.isdisjoint(cell):
        return cell
    return '"' + cell.replace('"', '""') + '"'


def _csv_line(cells: Sequence[str]) -> str:
    if len(cells) == 1 and not cells[0]:
        return '""\n'  # a lone empty cell would otherwise read back as a blank line
    plain = ",".join(cells)
    # most rows need neither quotes nor a formula escape: a few tests of the joined text (no
    # comma beyond the separators, no quote or line break) and of each cell's first character
    if (
        plain.count(",") == len(cells) - 1
        and _QUOTE_OR_BREAK.search(plain) is None
        and _FORMULA_STARTS.isdisjoint([c[:1] for c in cells])
    ):
        return plain + "\n"
    return ",".join(map(_csv_field, cells)) + "\n"


def csv_lines(rows: Iterable[Sequence[str]]) -> list[str]:
    """Each row as one CSV line (escaped, minimally quoted, ending in "\\n")."""
    return [_csv_line(row) for row in rows]


def csv_text_bytes(header: Sequence[str], lines: Iterable[str]) -> bytes:
    """A whole CSV file from its header and lines made by csv_lines: BOM, "\\n" endings."""
    return "".join([_csv_line(header), *lines]).encode("utf-8-sig")


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """A whole CSV file: BOM, escaped and minimally quoted cells, "\\n" line endings."""
    return csv_text_bytes(header, csv_lines(rows))


# --- file contents ------------------------------------------------------------------------------


def group_header(headers: Sequence[str]) -> str:
    """`group`, or `group (empower)` (then `group (empower 2)`, ...) when the input has it."""
    taken = {header.strip().casefold() for header in headers}
    name, n = GROUP_HEADER, 1
    while name.casefold() in taken:
        name = f"{GROUP_HEADER} (empower)" if n == 1 else f"{GROUP_HEADER} (empower {n})"
        n += 1
    return name


def group_column_note(cohort: Cohort) -> str | None:
    """When the sign-up file has a `group` column of its own: what the new groups' column is
    called instead, for a warning and the summary; else None."""
    name = group_header(cohort.headers)
    if name == GROUP_HEADER:
        return None
    return (
        f"{cohort.source} already has a column {GROUP_HEADER!r}, kept as it is; the new groups "
        f"are in the column {name!r} of assignments.csv and the group files."
    )


def group_file_name(group: int, n_groups: int) -> str:
    """`group-01.csv` for 0-based `group`, zero-padded so that names sort in group order."""
    width = max(2, len(str(n_groups)))
    return f"group-{group + 1:0{width}d}.csv"


def _check_shapes(
    cohort: Cohort, problem: Problem, assignment: Assignment, verdict: Verdict
) -> None:
    """Catch records that do not belong together before anything is written."""
    n, g = len(cohort.rows), problem.n_groups
    if len(cohort.students) != n or len(assignment.groups) != n:
        raise ValueError("cohort rows, students and assignment differ in length")
    if any(len(row) != len(cohort.headers) for row in cohort.rows):
        raise ValueError("a cohort row does not match the headers in length")
    if any(not 0 <= group < g for group in assignment.groups):
        raise ValueError("an assignment group is outside 0..n_groups-1")
    balance = verdict.balance
    if len(balance.sizes) != g or len(balance.counts) != g:
        raise ValueError("balance sizes or counts do not have one entry per group")
    if any(len(row) != len(problem.categories) for row in balance.counts):
        raise ValueError("balance counts do not align with the problem's categories")


def _assignment_files(cohort: Cohort, problem: Problem, assignment: Assignment) -> dict[str, bytes]:
    header = (*cohort.headers, group_header(cohort.headers))
    labelled = [
        (*row, str(group + 1)) for row, group in zip(cohort.rows, assignment.groups, strict=True)
    ]
    lines = csv_lines(labelled)  # each student's line is made once, for both files
    files = {ASSIGNMENTS: csv_text_bytes(header, lines)}
    members: list[list[str]] = [[] for _ in range(problem.n_groups)]
    for line, group in zip(lines, assignment.groups, strict=True):
        members[group].append(line)
    rosters = {
        group_file_name(group, problem.n_groups): csv_text_bytes(header, group_lines)
        for group, group_lines in enumerate(members)
    }
    if problem.n_groups > MAX_GROUP_FILES:
        files[GROUPS_ZIP] = zip_bytes(rosters)
    else:
        files.update(rosters)
    return files


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """A zip archive of `files` (deflated, in the order given); the same files always give the
    same bytes: every entry is dated 1980-01-01 and marked as a Unix file readable by all."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3  # Unix on every system, for the permissions below
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data, compresslevel=6)
    return raw.getvalue()


def _header(problem: Problem, c: int, names: Sequence[str]) -> str:
    """A category's summary.csv header: its name, or "Family: name" when another family holds
    a category of that name too (Yes of one question, Yes of another)."""
    category = problem.categories[c]
    if sum(1 for name in names if name == category.name) > 1:
        family = "interests" if category.family == "interest" else category.family
        return f"{family}: {category.name}"
    return category.name


def summary_columns(problem: Problem, verdict: Verdict) -> list[tuple[str, tuple[str, ...]]]:
    """(header, value per group) for each shown category (class years, interests, then every
    other family), then the repeated pairs and each --balance-mean column's group means."""
    shown = problem.shown_categories()
    names = [problem.categories[c].name for c in shown]
    counts = verdict.balance.counts
    columns = [(_header(problem, c, names), tuple(str(row[c]) for row in counts)) for c in shown]
    if problem.earlier_families:
        per_group = _repeats_per_group(problem, verdict)
        columns.append(("repeated pairs", tuple(str(n) for n in per_group)))
    for mean in verdict.balance.means:
        columns.append(
            (
                f"mean {mean.header}",
                tuple("" if m is None else f"{m:.2f}" for m in mean.groups),
            )
        )
    return columns


def _repeats_per_group(problem: Problem, verdict: Verdict) -> list[int]:
    names = {f.name for f in problem.earlier_families}
    cells = [c for c, cat in enumerate(problem.categories) if cat.family in names]
    return [sum(row[c] * (row[c] - 1) // 2 for c in cells) for row in verdict.balance.counts]


def _summary_file(
    cohort: Cohort, problem: Problem, assignment: Assignment, verdict: Verdict
) -> bytes:
    columns = summary_columns(problem, verdict)
    header = ["group", "size", *(name for name, _ in columns)]
    rows = [
        [str(group + 1), str(size), *(values[group] for _, values in columns)]
        for group, size in enumerate(verdict.balance.sizes)
    ]
    return csv_bytes(header, rows)


def changes_rows(problem: Problem, changes: Changes) -> tuple[list[str], list[list[str]]]:
    """The header and rows of changes.csv (and the workbook's Changes sheet): one row per
    student who moved, joined or left, with 1-based groups."""
    header = ["change", "student", "name", "from group", "to group", "why"]
    students = problem.students
    rows = [
        [
            "moved",
            students[m.student].key,
            students[m.student].name,
            str((m.before or 0) + 1),
            str(m.after + 1),
            m.reason,
        ]
        for m in changes.moved
    ]
    rows += [
        ["joined", students[m.student].key, students[m.student].name, "", str(m.after + 1), ""]
        for m in changes.joined
    ]
    rows += [["left", e.key, e.name, str(e.group + 1), "", ""] for e in changes.left]
    return header, rows


def changes_file(problem: Problem, changes: Changes) -> bytes:
    """changes.csv of a re-run: one row per student who moved, joined or left (1-based groups)."""
    header, rows = changes_rows(problem, changes)
    return csv_bytes(header, rows)


def manifest_bytes(manifest: Mapping[str, object]) -> bytes:
    """The manifest as sorted, indented JSON with a trailing newline."""
    text = json.dumps(dict(manifest), sort_keys=True, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def build_files(
    *,
    cohort: Cohort,
    problem: Problem,
    assignment: Assignment,
    verdict: Verdict,
    manifest: Mapping[str, object],
    changes: Changes | None = None,
    extra: Mapping[str, bytes] | None = None,
) -> dict[str, bytes]:
    """Every output file's name and bytes, in the order they are listed to the user; `extra`
    (the workbook and the report, already built) goes before the manifest."""
    _check_shapes(cohort, problem, assignment, verdict)
    files = _assignment_files(cohort, problem, assignment)
    files[SUMMARY] = _summary_file(cohort, problem, assignment, verdict)
    if changes is not None:
        files[CHANGES] = changes_file(problem, changes)
    files.update(extra or {})
    files[MANIFEST] = manifest_bytes(manifest)
    return files


# --- the folder ---------------------------------------------------------------------------------


def _exists_message(out: Path) -> str:
    return (
        f"{out}: the output folder already exists; use --force to replace it, "
        "or --out to choose another."
    )


def _holds_foreign_entries(folder: Path, out: Path) -> bool:
    """True when `folder` holds anything empower does not write (so --force must not delete it)."""
    try:
        with os.scandir(folder) as entries:
            return any(
                not (
                    (_OWN_FILE.fullmatch(entry.name) or entry.name == MARKER)
                    and entry.is_file(follow_symlinks=False)
                )
                for entry in entries
            )
    except OSError as error:
        raise OutputError(f"{out}: the folder cannot be read ({_reason(error)}).") from None


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return type(error).__name__


def prepare_output_dir(out: Path, *, force: bool) -> None:
    """Refuse early (before solving) an output folder that cannot be written. Creates nothing.

    Raises OutputError when `out` exists and `force` is False, when it exists and is not a folder,
    when --force would delete files empower did not write, or when its parent folder is missing or
    not writable.
    """
    try:
        _check_output_dir(out, force=force)
    except (OSError, RuntimeError) as error:  # RuntimeError: a symlink loop, on Python 3.11
        raise OutputError(f"{out}: the folder cannot be checked ({_reason(error)}).") from None


def _check_output_dir(out: Path, *, force: bool) -> None:
    target = out.resolve()
    if target.exists():
        if not target.is_dir():
            raise OutputError(
                f"{out}: this is a file, not a folder; use --out to choose a folder name."
            )
        if not force:
            raise OutputError(_exists_message(out))
        if _holds_foreign_entries(target, out):
            raise OutputError(
                f"{out}: the folder holds files empower did not write, so --force will not "
                "replace it; use --out to choose another folder."
            )
    parent = target.parent
    shown = out.parent
    if not parent.exists():
        raise OutputError(
            f"{out}: the folder {shown} does not exist; create it first, "
            "or use --out to choose another place."
        )
    if not parent.is_dir():
        raise OutputError(f"{out}: {shown} is not a folder; use --out to choose another place.")
    if _read_only(parent):
        raise OutputError(
            f"{out}: the folder {shown} is on a read-only file system; "
            "use --out to choose a place that can be written."
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(
            f"{out}: cannot write in the folder {shown} (permission denied); "
            "use --out to choose another place."
        )


def _read_only(folder: Path) -> bool:
    """Whether `folder` is on a file system mounted read-only (where the OS allows asking)."""
    statvfs = getattr(os, "statvfs", None)
    if statvfs is None:
        return False
    try:
        return bool(statvfs(folder).f_flag & getattr(os, "ST_RDONLY", 1))
    except OSError:
        return False


def _alive(pid: int) -> bool:
    """Whether process `pid` still runs (a process of another user counts as running)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists; anything else: do not guess it is gone
        return True
    return True


def _stale(entry: Path) -> tuple[str, str] | None:
    """(out name, "tmp" or "old") for a temporary of an empower run whose process is gone."""
    found = _TEMPORARY.fullmatch(entry.name)
    if found is None or entry.is_symlink() or not entry.is_dir():
        return None
    if _alive(int(found.group("pid"))):
        return None
    if found.group("kind") == "tmp" and not (entry / MARKER).is_file():
        return None
    if any(
        not (_OWN_FILE.fullmatch(p.name) or p.name == MARKER) or not p.is_file()
        for p in entry.iterdir()
    ):
        return None  # something empower does not write: not ours to delete
    return found.group("out"), found.group("kind")


def clean_stale_temporaries(out: Path) -> list[Path]:
    """Remove, beside the output folder, the temporaries of killed empower runs; an earlier
    run's rosters that a killed --force run moved aside go back in place when nothing took it.
    Returns what was removed or put back. Errors are ignored: this is housekeeping."""
    done: list[Path] = []
    try:
        parent = out.resolve().parent
        entries = sorted(parent.iterdir())
    except (OSError, RuntimeError):
        return done
    for entry in entries:
        with contextlib.suppress(OSError):
            stale = _stale(entry)
            if stale is None:
                continue
            name, kind = stale
            home = parent / name
            if kind == "old" and not home.exists():
                entry.rename(home)  # the killed run never got its new rosters in
            else:
                shutil.rmtree(entry)
            done.append(entry)
    return done


def _write_file(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Write one file; flush and sync it unless `sync` is False (`_write_files` syncs later)."""
    with path.open("wb") as handle:
        handle.write(data)
        if sync:
            handle.flush()
            os.fsync(handle.fileno())


#: Threads that sync or delete the files of one folder at once.
FILE_THREADS = 16


def _write_files(folder: Path, files: Mapping[str, bytes]) -> None:
    """Write every file, then sync them all, many at once: one sync after another costs a
    disk round trip each (1,250 group files took 5 s on a virtual disk, 0.7 s synced 16 at a
    time). An error from any of them is raised."""
    for name, data in files.items():
        _write_file(folder / name, data, sync=False)
    with ThreadPoolExecutor(min(FILE_THREADS, max(1, len(files)))) as pool:
        list(pool.map(_sync_file, [folder / name for name in files]))


def _sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_folder(folder: Path) -> None:
    """Delete an earlier run's folder: its files many at once (as `_write_files` syncs them),
    then what is left."""
    with os.scandir(folder) as entries:
        paths = [Path(entry.path) for entry in entries if entry.is_file(follow_symlinks=False)]
    with ThreadPoolExecutor(min(FILE_THREADS, max(1, len(paths)))) as pool:
        list(pool.map(os.unlink, paths))
    shutil.rmtree(folder)


def _sync_dir(folder: Path) -> None:
    """Make a folder's entries durable (a no-op where folders cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _swap_in(staging: Path, target: Path, out: Path) -> None:
    """Rename `staging` to `target`; an existing `target` is moved aside, then deleted."""
    aside: Path | None = None
    if target.exists():
        aside = target.with_name(f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
        target.rename(aside)
    try:
        staging.rename(target)
    except BaseException:  # Ctrl-C included: never leave the earlier rosters moved aside
        if aside is not None:
            _put_back(aside, target, out)
        raise
    _sync_dir(target.parent)
    if aside is not None:
        try:
            _remove_folder(aside)
        except OSError as error:
            raise OutputError(
                f"{out}: the new rosters are in place, but the previous ones could not be "
                f"deleted from {aside} ({_reason(error)}); delete that folder by hand."
            ) from None


def _put_back(aside: Path, target: Path, out: Path) -> None:
    """Return an earlier run's folder to its place after the new one failed to go in."""
    try:
        aside.rename(target)
    except OSError as error:
        raise OutputError(
            f"{out}: the rosters could not be written, and the previous ones are now in {aside} "
            f"({_reason(error)}); rename that folder back by hand."
        ) from None


def write_outputs(
    out: Path,
    *,
    cohort: Cohort,
    problem: Problem,
    assignment: Assignment,
    verdict: Verdict,
    manifest: Mapping[str, object],
    force: bool,
    changes: Changes | None = None,
    extra: Mapping[str, bytes] | None = None,
) -> list[Path]:
    """Write the output folder atomically and return the paths of the files written, in order.

    Raises OutputError (exit 6) when the folder cannot be written; then nothing has changed: no
    half-written folder and no temporary folder is left behind, and an earlier run's folder is
    still in place.
    """
    try:
        files = build_files(
            cohort=cohort,
            problem=problem,
            assignment=assignment,
            verdict=verdict,
            manifest=manifest,
            changes=changes,
            extra=extra,
        )
    except UnicodeEncodeError:  # a lone surrogate that slipped through reading; name no data
        raise OutputError(
            f"{out}: a cell holds characters that cannot be written as UTF-8; nothing was written."
        ) from None
    prepare_output_dir(out, force=force)  # again: the folder may have appeared while solving
    staging: Path | None = None
    try:
        target = out.resolve()
        staging = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent)
        )
        _write_file(staging / MARKER, f"{os.getpid()}\n".encode())
        _write_files(staging, files)
        _sync_dir(staging)
        _swap_in(staging, target, out)
        with contextlib.suppress(OSError):  # kept until now: a killed run's folder is known
            (target / MARKER).unlink()
    except OSError as error:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(
            f"{out}: the rosters could not be written ({_reason(error)}); nothing was changed."
        ) from None
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out / name for name in files]
