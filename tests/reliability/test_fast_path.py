"""deploy.yml's fast path on the whole stack (app, add-ons, media bucket, CDN, monitoring,
backups): a deploy with nothing to do only checks the release, and a hand change anywhere a
role manages - on Heroku or in AWS - makes the next deploy run in full and repair it."""

from __future__ import annotations

from tests.conftest import moto_client
from tests.reliability.conftest import APP, DeployedApp

BUCKET = f"{APP}-media"


def converge(app: DeployedApp) -> None:
    """One deploy, full or not, so that the next one starts from a verified deploy."""
    run = app.deploy()
    assert run.rc == 0, run.tail()


def test_a_deploy_with_nothing_to_do_only_checks_the_release(app: DeployedApp, record) -> None:
    converge(app)
    serving = app.serving_version()
    run = app.deploy()
    text = " ".join(run.output.split())
    unchanged = "Unchanged: variables, code, source, Heroku and AWS as the deploy verified" in text
    passed = run.rc == 0 and run.changed == 0 and unchanged and "Take the deploy lock" not in text
    record(
        "fast path",
        "deploy.yml again, nothing changed",
        "every role skipped, the release checked; 0 changed",
        f"rc={run.rc} in {run.seconds:.1f} s, changed={run.changed}, unchanged={unchanged}",
        passed=passed,
    )
    assert passed, run.tail()
    assert f"Release: {serving['release']}" in text


def test_a_hand_change_in_aws_makes_the_next_deploy_repair_it(app: DeployedApp, record) -> None:
    converge(app)
    s3 = moto_client("s3", app.aws_endpoint)
    rules = s3.get_bucket_cors(Bucket=BUCKET)["CORSRules"]
    s3.delete_bucket_cors(Bucket=BUCKET)
    run = app.deploy()
    text = " ".join(run.output.split())
    full = "Deploying in full: what Heroku or AWS hold differs from the deploy verified" in text
    repaired = s3.get_bucket_cors(Bucket=BUCKET)["CORSRules"] == rules
    again = app.deploy()
    fast_again = "Unchanged: " in again.output
    passed = run.rc == 0 and full and repaired and again.rc == 0 and fast_again
    record(
        "fast path",
        "the media bucket's CORS rules deleted by hand, then deploy.yml twice",
        "the first runs in full and puts the rules back; the second is unchanged",
        f"first rc={run.rc}, in full={full}, rules back={repaired}; "
        f"second rc={again.rc}, unchanged={fast_again}",
        passed=passed,
    )
    assert passed, run.tail() + "\n=====\n" + again.tail()
