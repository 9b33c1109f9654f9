"""Builds a slug from a source tarball, the way Heroku's Python buildpack does.

The virtualenv is the expensive part, so it is cached under `cache_dir/venvs/` keyed by the
interpreter and the bytes of requirements.txt (Heroku's build cache). A venv is built in its
own directory and published by atomically replacing the `venvs/<key>` symlink, so a failed
or concurrent install never leaves a half-built cache entry. The slug's `.heroku/python` is
a hard-linked copy of the cached venv, so a slug stands on its own: purging or losing the
cache never breaks a release that runs or is rolled back to. collectstatic runs from the
cached venv while that copy is made.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import tarfile
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import pythons
from .procenv import build_base_env, process_env, run_streamed, slug_venv
from .procfile import ProcfileError, parse_procfile
from .slugignore import apply_slugignore
from .venvcopy import materialize

CACHE_FORMAT = "1"  # bump to invalidate every cached venv
PIP_TIMEOUT = 900.0
COLLECTSTATIC_TIMEOUT = 300.0
STACK = "heroku-24"
INDENT = "       "


@dataclass
class BuildResult:
    slug_dir: Path
    process_types: dict[str, str]
    python_version: str
    buildpack_description: str
    size: int


class BuildFailed(Exception):
    """The build cannot go on; the message is the reason a user reads."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_slug(
    source_tarball: Path,
    expected_sha256: str | None,
    build_env: dict[str, str],
    cache_dir: Path,
    slugs_dir: Path,
    slug_id: str,
    log: Callable[[str], None],
) -> BuildResult:
    """Build `source_tarball` into `slugs_dir/slug_id`; raise BuildFailed with the reason."""
    log(f"-----> Building on the {STACK.capitalize()} stack")
    _verify_checksum(Path(source_tarball), expected_sha256)
    slugs_dir.mkdir(parents=True, exist_ok=True)
    final = slugs_dir / slug_id
    if final.exists():
        raise BuildFailed(f"Slug {slug_id} already exists")
    work = slugs_dir / f".build-{slug_id}-{uuid.uuid4().hex[:8]}"
    try:
        _extract(Path(source_tarball), work).rename(final)
        removed = apply_slugignore(final)
        if removed:
            log(f"-----> Deleting {len(removed)} files matching .slugignore patterns.")
        log("-----> Determining which buildpack to use for this app")
        requirements = final / "requirements.txt"
        if not requirements.is_file():
            raise BuildFailed(
                "App not compatible with buildpack: no Python dependency file found. "
                "Add a requirements.txt to the root of the app."
            )
        log("-----> Python app detected")
        interp = _select_python(final, log)
        cached = _prepare_venv(interp, requirements, cache_dir, build_env, log)
        venv = slug_venv(final)
        shutil.rmtree(venv.parent, ignore_errors=True)  # a .heroku/ shipped in the source
        # The slug's copy of the venv (some 10,000 hard links: kernel time) and collectstatic
        # (Python time, run from the cached venv: the same packages) overlap, one core each.
        with ThreadPoolExecutor(max_workers=1) as pool:
            copying = pool.submit(materialize, cached, venv)
            _collectstatic(final, cached, build_env, log)
            copying.result()
        process_types = _discover_process_types(final, log)
        size = _tree_size(final)
        log("-----> Compressing...")
        log(f"{INDENT}Done: {size / 1024 / 1024:.1f}M")
        log("-----> Launching...")
        return BuildResult(final, process_types, interp.full, "Python", size)
    except OSError as exc:
        shutil.rmtree(final, ignore_errors=True)
        raise BuildFailed(f"Build failed: {exc}") from exc
    except BaseException:
        shutil.rmtree(final, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _verify_checksum(tarball: Path, expected: str | None) -> None:
    if not tarball.is_file():
        raise BuildFailed(f"Source tarball {tarball} not found")
    if not expected:
        return
    want = expected.lower().removeprefix("sha256:")
    got = sha256_file(tarball)
    if got != want:
        raise BuildFailed(
            f"Source checksum mismatch: expected SHA256:{want}, got SHA256:{got}. "
            "The source changed after its checksum was computed."
        )


def _extract(tarball: Path, work: Path) -> Path:
    """Extract safely (no absolute paths, `..`, device files or links out of the tree)."""
    work.mkdir(parents=True)
    try:
        with tarfile.open(tarball, "r:*") as tar:
            tar.extractall(work, filter="data")
    except tarfile.FilterError as exc:
        raise BuildFailed(f"Refusing to extract source tarball: {exc}") from exc
    except (tarfile.TarError, EOFError) as exc:
        raise BuildFailed(f"Source is not a readable tarball: {exc}") from exc
    entries = list(work.iterdir())
    # A tarball with one top-level directory (a GitHub archive) has the app inside it.
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return entries[0]
    return work


def _select_python(app_dir: Path, log: Callable[[str], None]) -> pythons.Interpreter:
    version_file = app_dir / ".python-version"
    runtime_txt = app_dir / "runtime.txt"
    if version_file.is_file():
        lines = [ln.strip() for ln in version_file.read_text().splitlines()]
        lines = [ln for ln in lines if ln and not ln.startswith("#")]
        if len(lines) != 1:
            raise BuildFailed(".python-version must hold exactly one version, such as 3.11")
        requested, origin = lines[0], ".python-version"
    elif runtime_txt.is_file():
        text = runtime_txt.read_text().strip()
        if not text.startswith("python-"):
            raise BuildFailed(f"runtime.txt is not valid: {text!r}; expected python-3.X.Y")
        requested, origin = text.removeprefix("python-"), "runtime.txt"
        log(" !     Warning: runtime.txt is deprecated. Replace it with a .python-version")
        log(f" !     file that holds the major version only, for example: {_minor_of(requested)}")
    else:
        default = pythons.available()[0] if pythons.available() else None
        if default is None:
            raise BuildFailed("No Python interpreter is available on this machine")
        log(" !     Warning: no Python version was specified. Add a .python-version file;")
        log(f" !     using the default, Python {default.minor}.")
        requested, origin = default.minor, "the buildpack default"
    try:
        interp = pythons.find(requested)
    except ValueError as exc:
        raise BuildFailed(
            f"Invalid Python version in {origin}: {requested!r}. Use major.minor, such as 3.11"
        ) from exc
    except pythons.PythonUnavailable as exc:
        raise BuildFailed(str(exc)) from exc
    log(f"-----> Using Python {interp.minor} specified in {origin}")
    return interp


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def venv_cache_key(interp: pythons.Interpreter, requirements: bytes) -> str:
    head = f"{CACHE_FORMAT}\n{interp.full}\n{interp.path}\n".encode()
    return hashlib.sha256(head + requirements).hexdigest()[:32]


def _prepare_venv(
    interp: pythons.Interpreter,
    requirements: Path,
    cache_dir: Path,
    build_env: dict[str, str],
    log: Callable[[str], None],
) -> Path:
    venvs = Path(cache_dir) / "venvs"
    venvs.mkdir(parents=True, exist_ok=True)
    key = venv_cache_key(interp, requirements.read_bytes())
    entry = venvs / key
    with _locked(venvs / f"{key}.lock"):
        if entry.is_symlink() and (entry / "bin" / "python").exists():
            log("-----> Restoring cache")
            log(f"-----> Using cached install of Python {interp.full}")
            log("-----> Installing requirements with pip")
            log(f"{INDENT}requirements.txt is unchanged: using the cached packages")
            return entry.resolve()
        target = venvs / f"{key}.{uuid.uuid4().hex[:8]}"
        try:
            _install(interp, target, requirements, build_env, log)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        pointer = venvs / f".{target.name}.link"
        pointer.symlink_to(target.name, target_is_directory=True)
        os.replace(pointer, entry)
        return target


def _install(
    interp: pythons.Interpreter,
    target: Path,
    requirements: Path,
    build_env: dict[str, str],
    log: Callable[[str], None],
) -> None:
    sink = _indented(log)
    env = process_env(target, build_env, base=build_base_env())
    log(f"-----> Installing Python {interp.full}")
    code = run_streamed(
        [str(interp.path), "-m", "venv", str(target)], requirements.parent, env, sink, timeout=300
    )
    if code != 0:
        raise BuildFailed(f"Could not create a virtualenv with Python {interp.full}")
    log("-----> Installing requirements with pip")
    argv = [
        str(target / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "--no-input",
        "--disable-pip-version-check",
        "--progress-bar",
        "off",
        "-r",
        requirements.name,
    ]
    code = run_streamed(argv, requirements.parent, env, sink, timeout=PIP_TIMEOUT)
    if code is None:
        raise BuildFailed(f"Installing requirements timed out after {PIP_TIMEOUT:.0f} s")
    if code != 0:
        raise BuildFailed(
            "Could not install the packages in requirements.txt (pip exited with "
            f"status {code}). See the pip output above."
        )


def _collectstatic(
    app_dir: Path, venv: Path, build_env: dict[str, str], log: Callable[[str], None]
) -> None:
    if not (app_dir / "manage.py").is_file():
        return
    if build_env.get("DISABLE_COLLECTSTATIC", "0") not in ("", "0"):
        log("-----> Skipping Django collectstatic since DISABLE_COLLECTSTATIC is set.")
        return
    env = process_env(venv, build_env, base=build_base_env())
    has_django = run_streamed(
        [str(venv / "bin" / "python"), "-c", "import django"],
        app_dir,
        env,
        lambda _line: None,
        timeout=60,
    )
    if has_django != 0:
        log("-----> Skipping Django collectstatic since Django is not installed.")
        return
    log("-----> $ python manage.py collectstatic --noinput")
    code = run_streamed(
        ["python", "manage.py", "collectstatic", "--noinput"],
        app_dir,
        env,
        _indented(log),
        timeout=COLLECTSTATIC_TIMEOUT,
    )
    if code != 0:
        raise BuildFailed(
            "Error while running '$ python manage.py collectstatic --noinput'. See the "
            "traceback above for details. You may need to update application code to "
            "resolve this error, or disable collectstatic with DISABLE_COLLECTSTATIC=1."
        )


def _discover_process_types(app_dir: Path, log: Callable[[str], None]) -> dict[str, str]:
    log("-----> Discovering process types")
    procfile = app_dir / "Procfile"
    if not procfile.is_file():
        log(f"{INDENT}Procfile declares types -> (none)")
        log(" !     Warning: no Procfile, so no web process will run. Add a Procfile.")
        return {}
    try:
        types = parse_procfile(procfile.read_text(encoding="utf-8"))
    except (ProcfileError, UnicodeDecodeError) as exc:
        raise BuildFailed(str(exc)) from exc
    log(f"{INDENT}Procfile declares types -> {', '.join(types) or '(none)'}")
    return types


def _minor_of(version: str) -> str:
    try:
        major, minor, _patch = pythons.parse_version(version)
    except ValueError:
        return "3.11"
    return f"{major}.{minor}"


def _indented(log: Callable[[str], None]) -> Callable[[str], None]:
    return lambda line: log(INDENT + line)


def _tree_size(root: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total
