"""The reliability suite: faults, bad input and secrets against a deployed app on localcloud.

Every test records what it tried and what happened through the `record` fixture; at the
end of the session the rows become the table in docs/reliability.md, so the document
always says what the last full run really saw.
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.playbooks.conftest import Run, run_playbook

REPO = Path(__file__).resolve().parents[2]
APP = "skillstream-local"
TABLE = REPO / "docs" / "reliability.md"
ROWS: list[dict[str, str]] = []


@dataclass
class DeployedApp:
    """The app as deployed by deploy.yml on the session's localcloud."""

    name: str
    url: str
    api_url: str
    api_key: str
    aws_endpoint: str
    state_dir: Path

    def heroku(self, method: str, path: str, body: dict | None = None) -> object:
        request = urllib.request.Request(
            f"{self.api_url}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Accept": "application/vnd.heroku+json; version=3",
                "Authorization": f"Bearer {self.api_key}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def fault(self, **spec: object) -> None:
        self.heroku("POST", "/__localcloud/faults", dict(spec))

    def clear_faults(self) -> None:
        self.heroku("DELETE", "/__localcloud/faults")

    def armed_faults(self) -> list[dict]:
        """The faults still armed (a fault whose count is used up is gone)."""
        return self.heroku("GET", "/__localcloud/faults")

    def api_requests(self) -> int:
        return int(self.heroku("GET", "/__localcloud/stats")["total"])

    def current_release(self) -> dict:
        releases = self.heroku("GET", f"/apps/{self.name}/releases")
        current = [r for r in releases if r.get("current")]
        return current[-1] if current else releases[-1]

    def get(self, path: str, timeout: float = 15) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"{self.url}{path.lstrip('/')}", timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def serving_version(self) -> dict:
        status, body = self.get("/version")
        assert status == 200, f"/version answered {status}"
        return json.loads(body)

    def serving_commit(self) -> str:
        """The commit of /version without heroku_app's `+m.<migrations checksum>` suffix."""
        return self.serving_version()["commit"].split("+")[0]

    def wait_healthy(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if self.get("/healthz", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(1)
        raise AssertionError(f"{self.name} is not healthy after {seconds} s")

    def deploy(self, *args: str, timeout: int = 1500) -> Run:
        return run_playbook("deploy.yml", *args, state_dir=self.state_dir, timeout=timeout)

    def playbook(self, playbook: str, *args: str, timeout: int = 1500) -> Run:
        return run_playbook(playbook, *args, state_dir=self.state_dir, timeout=timeout)


@pytest.fixture(scope="session")
def deployed(localcloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployedApp]:
    """deploy.yml run once on the session's localcloud; every reliability test starts here."""
    state_dir = tmp_path_factory.mktemp("reliability-state")
    run = run_playbook("deploy.yml", state_dir=state_dir)
    assert run.rc == 0, run.tail(6000)
    app = DeployedApp(
        name=APP,
        url="",
        api_url=localcloud.api_url,
        api_key=localcloud.api_key,
        aws_endpoint=localcloud.aws_endpoint,
        state_dir=state_dir,
    )
    app.url = app.heroku("GET", f"/apps/{APP}")["web_url"]
    yield app
    app.clear_faults()


@pytest.fixture()
def app(deployed: DeployedApp) -> Iterator[DeployedApp]:
    """The deployed app with no fault armed before or after the test."""
    deployed.clear_faults()
    yield deployed
    deployed.clear_faults()


@pytest.fixture()
def changed_tree(tmp_path: Path) -> Path:
    """A copy of skillstream/ with a harmless code change (a new checksum, a new build)."""
    tree = tmp_path / "skillstream"
    shutil.copytree(
        REPO / "skillstream",
        tree,
        ignore=shutil.ignore_patterns("__pycache__", "staticfiles", "media", "artifacts", "*.pyc"),
    )
    with (tree / "manage.py").open("a") as handle:
        handle.write(f"# reliability change {time.time_ns()}\n")
    return tree


@pytest.fixture()
def record(request: pytest.FixtureRequest):
    """record(area, tried, expected, happened, times=1, passed=True) adds a table row."""

    def add(
        area: str, tried: str, expected: str, happened: str, times: int = 1, passed: bool = True
    ) -> None:
        ROWS.append(
            {
                "area": area,
                "tried": tried,
                "expected": expected,
                "happened": " ".join(happened.split())[:220],
                "times": str(times),
                "result": "pass" if passed else "FAIL",
                "nodeid": request.node.nodeid,
            }
        )

    return add


HERE = Path(__file__).resolve().parent
PARTIAL_TABLE = REPO / "tests" / "artifacts" / "reliability-partial.md"
FAILED: list[str] = []  # reliability tests that failed
DESELECTED: list[str] = []


def pytest_deselected(items: list[pytest.Item]) -> None:
    DESELECTED.extend(item.nodeid for item in items if Path(item.path).parent == HERE)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed and "tests/reliability/" in report.nodeid:
        FAILED.append(report.nodeid)


def whole_suite_ran(session: pytest.Session) -> bool:
    """Only a run of every reliability test may speak for the project in docs/."""
    ran = {Path(item.path).name for item in session.items if Path(item.path).parent == HERE}
    return not DESELECTED and ran == {path.name for path in HERE.glob("test_*.py")}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not ROWS and not FAILED:
        return
    # A test that failed without a FAIL row of its own (it died before recording) still shows.
    failed_rows = {r["nodeid"] for r in ROWS if r["result"] != "pass"}
    for nodeid in dict.fromkeys(n for n in FAILED if n not in failed_rows):
        ROWS.append(
            {
                "area": "test run",
                "tried": nodeid,
                "expected": "passes",
                "happened": "failed (see the suite's log)",
                "times": "1",
                "result": "FAIL",
                "nodeid": nodeid,
            }
        )
    lines = [
        "# Reliability and security: what was tried, what happened",
        "",
        "Written by the reliability suite (`tests/reliability/`, part of `make test`) at the",
        "end of its last run; do not edit by hand. Every row is one check the tests made",
        "against a real deploy on localcloud (faults injected through its control endpoint),",
        "or against the deployed app over HTTP.",
        "",
        f"Last run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{sum(r['result'] == 'pass' for r in ROWS)} of {len(ROWS)} rows pass.",
        "",
        "| area | tried | expected | what happened | times | result |",
        "|---|---|---|---|---|---|",
    ]
    for row in sorted(ROWS, key=lambda r: (r["area"], r["tried"])):
        cells = [row[key].replace("|", "\\|") for key in ("area", "tried", "expected")]
        cells += [row["happened"].replace("|", "\\|"), row["times"], row["result"]]
        lines.append("| " + " | ".join(cells) + " |")
    target = TABLE if whole_suite_ran(session) else PARTIAL_TABLE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n")
