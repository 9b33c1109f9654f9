"""build_slug: a real buildpack-style build of a tiny app (venv, cache, collectstatic, Procfile)."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import time
from pathlib import Path

import pytest

from localcloud.runtime.builder import BuildFailed, BuildResult, build_slug

from .conftest import APP_FILES, make_tarball

# A stand-in for Django that the build detects (`import django`), so collectstatic is
# exercised without installing Django: manage.py writes what a real collectstatic would.
FAKE_DJANGO = {
    "django/__init__.py": "",
    "manage.py": (
        "import os, sys\n"
        "assert sys.argv[1:] == ['collectstatic', '--noinput'], sys.argv\n"
        "if os.environ.get('BREAK_STATIC'):\n"
        "    raise SystemExit('static files are broken')\n"
        "os.makedirs('staticfiles', exist_ok=True)\n"
        "open('staticfiles/app.css', 'w').write(os.environ.get('THEME', 'none'))\n"
        "print('1 static file copied to staticfiles.')\n"
    ),
}


def build(
    tmp_path: Path,
    files: dict[str, str],
    cache: Path,
    env: dict[str, str] | None = None,
    checksum: str | None = None,
    top: str | None = None,
) -> tuple[BuildResult, list[str]]:
    lines: list[str] = []
    tarball = make_tarball(tmp_path / "src.tgz", files, top=top)
    result = build_slug(
        tarball, checksum, env or {}, cache, tmp_path / "slugs", "slug-1", lines.append
    )
    return result, lines


def test_build_makes_a_runnable_slug(built_app: BuildResult) -> None:
    assert built_app.process_types["web"].startswith("gunicorn app:app")
    assert set(built_app.process_types) == {"web", "worker", "release"}
    assert built_app.python_version.startswith("3.11.")
    assert built_app.buildpack_description == "Python"
    assert (built_app.slug_dir / "app.py").is_file()
    assert (built_app.slug_dir / ".heroku/python/bin/gunicorn").is_file()
    assert built_app.size > 1_000_000


def test_warm_cache_builds_in_seconds(
    tmp_path: Path, built_app: BuildResult, build_cache: Path
) -> None:
    files = dict(APP_FILES, **{"app.py": APP_FILES["app.py"] + "# v2\n"})
    start = time.monotonic()
    result, lines = build(tmp_path, files, build_cache, top="skillstream-abc123")
    elapsed = time.monotonic() - start
    print(f"warm-cache build: {elapsed:.2f} s")
    assert "-----> Restoring cache" in lines
    assert f"-----> Using cached install of Python {built_app.python_version}" in lines
    assert not any("Successfully installed" in line for line in lines)  # pip did not run
    assert elapsed < 5
    # The single top-level directory of a GitHub-style archive is the app root.
    assert (result.slug_dir / "app.py").read_text().endswith("# v2\n")
    # The slug has its own copy of the cached venv: shared files are hard links, and the
    # scripts name the slug's own interpreter, so the slug outlives any cache purge.
    venv, other = result.slug_dir / ".heroku/python", built_app.slug_dir / ".heroku/python"
    assert not venv.is_symlink()
    script = (venv / "bin/gunicorn").read_text().splitlines()[0]
    assert script == f"#!{venv}/bin/python"
    module = "lib/python3.11/site-packages/gunicorn/__init__.py"
    assert (venv / module).stat().st_ino == (other / module).stat().st_ino


def test_checksum_mismatch_names_both_sums(tmp_path: Path, build_cache: Path) -> None:
    wrong = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(BuildFailed) as err:
        build(tmp_path, APP_FILES, build_cache, checksum=f"SHA256:{wrong}")
    actual = hashlib.sha256((tmp_path / "src.tgz").read_bytes()).hexdigest()
    assert wrong in str(err.value) and actual in str(err.value)
    assert not (tmp_path / "slugs" / "slug-1").exists()


def test_matching_checksum_is_accepted(tmp_path: Path, build_cache: Path) -> None:
    tarball = make_tarball(tmp_path / "src.tgz", APP_FILES)
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    result = build_slug(tarball, digest, {}, build_cache, tmp_path / "slugs", "ok", print)
    assert result.slug_dir.is_dir()


def test_bad_procfile_fails_clearly(tmp_path: Path, build_cache: Path) -> None:
    files = dict(APP_FILES, Procfile="web: gunicorn app:app\nthis line has no colon\n")
    with pytest.raises(BuildFailed, match=r"Procfile line 2 is not valid"):
        build(tmp_path, files, build_cache)
    assert not list((tmp_path / "slugs").iterdir())


def test_path_traversal_is_refused(tmp_path: Path, build_cache: Path) -> None:
    tarball = tmp_path / "evil.tgz"
    with tarfile.open(tarball, "w:gz") as tar:
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(BuildFailed, match="Refusing to extract"):
        build_slug(tarball, None, {}, build_cache, tmp_path / "slugs", "evil", print)
    assert not (tmp_path / "escaped.txt").exists()


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("3.7", "end-of-life"),
        ("3.99", r"Python 3\.99 is not available on this machine\. Available versions: .*3\.11"),
        ("three", "Invalid Python version"),
    ],
)
def test_unavailable_python_is_refused(
    tmp_path: Path, build_cache: Path, version: str, message: str
) -> None:
    files = dict(APP_FILES, **{".python-version": f"{version}\n"})
    with pytest.raises(BuildFailed, match=message):
        build(tmp_path, files, build_cache)


def test_runtime_txt_still_works_with_a_warning(tmp_path: Path, build_cache: Path) -> None:
    files = {k: v for k, v in APP_FILES.items() if k != ".python-version"}
    files["runtime.txt"] = "python-3.11.7\n"
    result, lines = build(tmp_path, files, build_cache)
    assert result.python_version.startswith("3.11")
    assert any("runtime.txt is deprecated" in line for line in lines)


def test_failed_install_does_not_poison_the_cache(tmp_path: Path, build_cache: Path) -> None:
    files = dict(APP_FILES, **{"requirements.txt": "gunicorn\n-r no-such-file.txt\n"})
    before = set(os.listdir(build_cache / "venvs"))
    with pytest.raises(BuildFailed, match="Could not install the packages"):
        build(tmp_path, files, build_cache)
    after = {n for n in os.listdir(build_cache / "venvs") if not n.endswith(".lock")}
    assert after == {n for n in before if not n.endswith(".lock")}


def test_collectstatic_runs_with_the_build_env(tmp_path: Path, build_cache: Path) -> None:
    result, lines = build(
        tmp_path, dict(APP_FILES, **FAKE_DJANGO), build_cache, env={"THEME": "dark"}
    )
    assert "-----> $ python manage.py collectstatic --noinput" in lines
    assert "       1 static file copied to staticfiles." in lines
    assert (result.slug_dir / "staticfiles/app.css").read_text() == "dark"


def test_collectstatic_can_be_disabled(tmp_path: Path, build_cache: Path) -> None:
    result, lines = build(
        tmp_path, dict(APP_FILES, **FAKE_DJANGO), build_cache, env={"DISABLE_COLLECTSTATIC": "1"}
    )
    assert not (result.slug_dir / "staticfiles").exists()
    assert any("DISABLE_COLLECTSTATIC" in line for line in lines)


def test_failing_collectstatic_fails_the_build(tmp_path: Path, build_cache: Path) -> None:
    with pytest.raises(BuildFailed, match="collectstatic"):
        build(tmp_path, dict(APP_FILES, **FAKE_DJANGO), build_cache, env={"BREAK_STATIC": "1"})


def test_slugignore_removes_files_before_the_build(tmp_path: Path, build_cache: Path) -> None:
    files = dict(
        APP_FILES,
        **{
            ".slugignore": "# big things\n*.psd\n/docs\nrequirements-dev.txt\n",
            "design/logo.psd": "x",
            "design/keep.txt": "kept",
            "docs/guide.md": "x",
            "app/docs/inner.md": "kept: not at the root",
            "requirements-dev.txt": "pytest\n",
        },
    )
    result, lines = build(tmp_path, files, build_cache)
    root = result.slug_dir
    assert "-----> Deleting 3 files matching .slugignore patterns." in lines
    assert not (root / "design/logo.psd").exists() and not (root / "docs").exists()
    assert not (root / "requirements-dev.txt").exists()
    assert (root / "design/keep.txt").read_text() == "kept"
    assert (root / "app/docs/inner.md").exists()
    assert (root / "app.py").exists()
