"""Walk every Platform API link localcloud implements; validate each response against the
official Heroku hyper-schema (zero violations), and print how many links were covered."""

from __future__ import annotations

import time
import uuid
from typing import Any

import lc_sample as sample
import pytest
import requests
import schema_check

from localcloud.api import handlers  # noqa: F401  (registers the routes)
from localcloud.api.routing import routes


class Walker:
    def __init__(self, api: Any, root: dict[str, Any]) -> None:
        self.api = api
        self.root = root
        self.links = schema_check.links(root)
        self.covered: set[tuple[str, str]] = set()
        self.violations: list[str] = []

    def call(self, method: str, template: str, path: str, **kwargs: Any) -> Any:
        """Call `path`, validate against the link `method template`, return the JSON."""
        resp = self.api.request(method, path, **kwargs)
        assert resp.status_code < 300, f"{method} {path}: {resp.status_code} {resp.text}"
        key = (method, schema_check.normalise(template))
        candidates = self.links.get(key)
        assert candidates, f"no schema link for {key}"
        body = resp.json() if resp.content else {}
        best: list[str] | None = None
        for link in candidates:  # Create and Rollback share one href: one must fit
            target = link.get("targetSchema")
            problems = schema_check.errors(self.root, target, body) if target else []
            if best is None or len(problems) < len(best):
                best = problems
        for problem in best or []:
            self.violations.append(f"{method} {template}: {problem}")
        self.covered.add(key)
        return body


# Links the real API and Heroku's CLI use that the published schema no longer lists.
BEYOND_SCHEMA = {("POST", "/account/keys"), ("DELETE", "/account/keys/{}")}  # `heroku keys:*`


def implemented() -> set[tuple[str, str]]:
    return {
        (r.method, schema_check.normalise(r.template))
        for r in routes.routes
        if r.kind == "platform"
    }


def _wait(check: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("timed out")


@pytest.mark.timeout(400)
def test_every_implemented_link_matches_the_schema(api, localcloud) -> None:
    root = schema_check.load()
    w = Walker(api, root)
    name = f"schema-{uuid.uuid4().hex[:8]}"
    a = f"/apps/{name}"

    # account, regions, stacks
    me = w.call("GET", "/account", "/account")
    w.call("GET", "/users/{account}", f"/users/{me['id']}")
    w.call("GET", "/account/rate-limits", "/account/rate-limits")
    w.call("GET", "/regions", "/regions")
    w.call("GET", "/regions/{region}", "/regions/us")
    w.call("GET", "/stacks", "/stacks")
    w.call("GET", "/stacks/{stack}", "/stacks/heroku-24")

    # apps
    w.call("POST", "/apps", "/apps", json={"name": name, "region": "us"})
    w.call("GET", "/apps", "/apps")
    w.call("GET", "/users/{account}/apps", f"/users/{me['email']}/apps")
    w.call("GET", "/apps/{app}", a)
    w.call("PATCH", "/apps/{app}", a, json={"build_stack": "heroku-24"})
    w.call("POST", "/apps/{app}/acm", f"{a}/acm")
    w.call("PATCH", "/apps/{app}/acm", f"{a}/acm")

    # features, buildpacks, config vars
    w.call("GET", "/apps/{app}/features", f"{a}/features")
    w.call("GET", "/apps/{app}/features/{feature}", f"{a}/features/preboot")
    w.call("PATCH", "/apps/{app}/features/{feature}", f"{a}/features/runtime-dyno-metadata",
           json={"enabled": True})  # fmt: skip
    w.call("PUT", "/apps/{app}/buildpack-installations", f"{a}/buildpack-installations",
           json={"updates": [{"buildpack": "heroku/python"}]})  # fmt: skip
    w.call("GET", "/apps/{app}/buildpack-installations", f"{a}/buildpack-installations")
    w.call("PATCH", "/apps/{app}/config-vars", f"{a}/config-vars", json={"GREETING": "hi"})
    w.call("GET", "/apps/{app}/config-vars", f"{a}/config-vars")

    # webhooks (before the build, so the release events are delivered and recorded)
    hook = w.call("POST", "/apps/{app}/webhooks", f"{a}/webhooks", json={
        "url": f"{localcloud.api_url}/__localcloud/health", "include": ["api:release"],
        "level": "notify", "secret": "s3cret",
    })  # fmt: skip
    w.call("GET", "/apps/{app}/webhooks", f"{a}/webhooks")
    w.call("GET", "/apps/{app}/webhooks/{webhook}", f"{a}/webhooks/{hook['id']}")
    w.call("PATCH", "/apps/{app}/webhooks/{webhook}", f"{a}/webhooks/{hook['id']}",
           json={"level": "sync"})  # fmt: skip

    # sources, builds, slugs, releases
    w.call("POST", "/sources", "/sources")
    w.call("POST", "/apps/{app}/sources", f"{a}/sources")
    blob = sample.upload(api, sample.source_tarball("schema", release=None))
    build = w.call("POST", "/apps/{app}/builds", f"{a}/builds",
                   json={"source_blob": {**blob, "version": "c0ffee"}})  # fmt: skip
    doomed = w.call("POST", "/apps/{app}/builds", f"{a}/builds", json={"source_blob": blob})
    w.call("DELETE", "/apps/{app}/builds/{build}", f"{a}/builds/{doomed['id']}")
    build = _wait(lambda: (b := api.get(f"{a}/builds/{build['id']}").json())["status"]
                  != "pending" and b, timeout=300)  # fmt: skip
    assert build["status"] == "succeeded", requests.get(build["output_stream_url"], timeout=30).text
    w.call("GET", "/apps/{app}/builds", f"{a}/builds")
    w.call("GET", "/apps/{app}/builds/{build}", f"{a}/builds/{build['id']}")
    w.call("GET", "/apps/{app}/slugs/{slug}", f"{a}/slugs/{build['slug']['id']}")
    slug = w.call("POST", "/apps/{app}/slugs", f"{a}/slugs", json={"process_types": {
        "web": "python -m http.server $PORT"}})  # fmt: skip
    w.call("GET", "/apps/{app}/slugs/{slug}", f"{a}/slugs/{slug['id']}")
    releases = w.call("GET", "/apps/{app}/releases", f"{a}/releases")
    first = releases[0]
    w.call("GET", "/apps/{app}/releases/{release}", f"{a}/releases/{first['version']}")
    w.call("GET", "/apps/{app}/releases/{release}/config-vars",
           f"{a}/releases/{build['release']['id']}/config-vars")  # fmt: skip
    w.call("POST", "/apps/{app}/releases", f"{a}/releases",
           json={"release": build["release"]["id"]})  # fmt: skip
    w.call("POST", "/apps/{app}/releases", f"{a}/releases",
           json={"slug": build["slug"]["id"], "description": "again"})  # fmt: skip
    w.call("DELETE", "/apps/{app}/build-cache", f"{a}/build-cache")

    # formation and dynos
    w.call("GET", "/apps/{app}/formation", f"{a}/formation")
    w.call("GET", "/apps/{app}/formation/{formation}", f"{a}/formation/web")
    w.call("PATCH", "/apps/{app}/formation/{formation}", f"{a}/formation/web",
           json={"quantity": 1, "size": "basic"})  # fmt: skip
    w.call("PATCH", "/apps/{app}/formation", f"{a}/formation",
           json={"updates": [{"type": "web", "quantity": 1, "size": "Basic"}]})  # fmt: skip
    try:
        dynos = _wait(lambda: [d for d in api.get(f"{a}/dynos").json() if d["state"] == "up"])
    except AssertionError:
        logs = api.control("GET", f"/logs/{name}?lines=60").text
        raise AssertionError(f"no web dyno up: {api.get(f'{a}/dynos').text}\n{logs}") from None
    w.call("GET", "/apps/{app}/dynos", f"{a}/dynos")
    w.call("GET", "/apps/{app}/dynos/{dyno}", f"{a}/dynos/{dynos[0]['name']}")
    run = w.call("POST", "/apps/{app}/dynos", f"{a}/dynos",
                 json={"command": "echo one-off $DYNO; sleep 60", "attach": False})  # fmt: skip
    assert run["name"].startswith("run.") and run["type"] == "run"
    _wait(lambda: f"one-off {run['name']}" in api.control("GET", f"/logs/{name}").text)
    w.call("GET", "/apps/{app}/dynos/{dyno}", f"{a}/dynos/{run['name']}")
    w.call("POST", "/apps/{app}/dynos/{dyno}/actions/stop", f"{a}/dynos/{run['name']}/actions/stop")
    _wait(lambda: run["name"] not in [d["name"] for d in api.get(f"{a}/dynos").json()])
    w.call("POST", "/apps/{app}/formations/{formation}/actions/stop",
           f"{a}/formations/web/actions/stop")  # fmt: skip
    w.call("DELETE", "/apps/{app}/dynos/{dyno}", f"{a}/dynos/{dynos[0]['name']}")
    w.call("DELETE", "/apps/{app}/formations/{formation}", f"{a}/formations/web")
    w.call("DELETE", "/apps/{app}/dynos", f"{a}/dynos")

    # add-ons and attachments
    addon = w.call("POST", "/apps/{app}/addons", f"{a}/addons",
                   json={"plan": "heroku-redis:mini"})  # fmt: skip
    _wait(lambda: api.get(f"/addons/{addon['id']}").json()["state"] == "provisioned")
    w.call("GET", "/apps/{app}/addons", f"{a}/addons")
    w.call("GET", "/addons", "/addons")
    w.call("GET", "/users/{account}/addons", "/users/~/addons")
    w.call("GET", "/addons/{addon}", f"/addons/{addon['name']}")
    config = w.call("GET", "/addons/{addon}/config", f"/addons/{addon['id']}/config")
    assert config == [{"name": "URL", "value": api.get(f"{a}/config-vars").json()["REDIS_URL"]}]
    w.call("GET", "/apps/{app}/addons/{addon}", f"{a}/addons/{addon['id']}")
    w.call("PATCH", "/apps/{app}/addons/{addon}", f"{a}/addons/{addon['id']}",
           json={"plan": "heroku-redis:premium-0"})  # fmt: skip
    w.call("POST", "/actions/addons/resolve", "/actions/addons/resolve",
           json={"addon": addon["name"], "app": name})  # fmt: skip
    w.call("GET", "/addon-attachments", "/addon-attachments")
    atts = w.call("GET", "/apps/{app}/addon-attachments", f"{a}/addon-attachments")
    w.call("GET", "/addons/{addon}/addon-attachments", f"/addons/{addon['id']}/addon-attachments")
    w.call("GET", "/addon-attachments/{attachment}", f"/addon-attachments/{atts[0]['id']}")
    w.call("GET", "/apps/{app}/addon-attachments/{attachment}",
           f"{a}/addon-attachments/{atts[0]['name']}")  # fmt: skip
    w.call("POST", "/actions/addon-attachments/resolve", "/actions/addon-attachments/resolve",
           json={"addon_attachment": "REDIS_URL", "app": name})  # fmt: skip
    extra = w.call("POST", "/addon-attachments", "/addon-attachments",
                   json={"addon": addon["id"], "app": name, "name": "CACHE"})  # fmt: skip
    w.call("DELETE", "/addon-attachments/{attachment}", f"/addon-attachments/{extra['id']}")
    w.call("GET", "/addon-services", "/addon-services")
    w.call("GET", "/addon-services/{service}", "/addon-services/heroku-postgresql")
    w.call("GET", "/addon-services/{service}/plans", "/addon-services/heroku-postgresql/plans")
    plan = w.call("GET", "/addon-services/{service}/plans/{plan}",
                  "/addon-services/heroku-postgresql/plans/essential-0")  # fmt: skip
    w.call("GET", "/plans/{plan}", f"/plans/{plan['id']}")
    w.call("DELETE", "/apps/{app}/addons/{addon}", f"{a}/addons/{addon['id']}")

    # domains, SNI endpoints
    domain = w.call("POST", "/apps/{app}/domains", f"{a}/domains",
                    json={"hostname": f"www.{name}.example.com", "sni_endpoint": None})  # fmt: skip
    w.call("GET", "/apps/{app}/domains", f"{a}/domains")
    w.call("GET", "/apps/{app}/domains/{domain}", f"{a}/domains/{domain['hostname']}")
    w.call("PATCH", "/apps/{app}/domains/{domain}", f"{a}/domains/{domain['id']}",
           json={"sni_endpoint": None})  # fmt: skip
    cert, key = sample.self_signed(f"secure.{name}.example.com")
    sni = w.call("POST", "/apps/{app}/sni-endpoints", f"{a}/sni-endpoints",
                 json={"certificate_chain": cert, "private_key": key})  # fmt: skip
    w.call("PATCH", "/apps/{app}/domains/{domain}", f"{a}/domains/{domain['id']}",
           json={"sni_endpoint": sni["name"]})  # fmt: skip
    assert w.call("GET", "/apps/{app}/sni-endpoints/{sni_endpoint}",
                  f"{a}/sni-endpoints/{sni['name']}")["domains"] == [domain["id"]]  # fmt: skip
    w.call("PATCH", "/apps/{app}/sni-endpoints/{sni_endpoint}", f"{a}/sni-endpoints/{sni['id']}",
           json={"certificate_chain": cert, "private_key": key})  # fmt: skip
    w.call("GET", "/apps/{app}/sni-endpoints", f"{a}/sni-endpoints")
    w.call("DELETE", "/apps/{app}/sni-endpoints/{sni_endpoint}", f"{a}/sni-endpoints/{sni['id']}")
    w.call("DELETE", "/apps/{app}/domains/{domain}", f"{a}/domains/{domain['id']}")

    # collaborators, account features and keys
    collab = w.call("POST", "/apps/{app}/collaborators", f"{a}/collaborators",
                    json={"user": f"ops@{name}.example.com", "silent": True})  # fmt: skip
    w.call("GET", "/apps/{app}/collaborators", f"{a}/collaborators")
    w.call("GET", "/apps/{app}/collaborators/{collaborator}",
           f"{a}/collaborators/{collab['user']['email']}")  # fmt: skip
    w.call(
        "DELETE", "/apps/{app}/collaborators/{collaborator}", f"{a}/collaborators/{collab['id']}"
    )
    w.call("GET", "/account/features", "/account/features")
    w.call("GET", "/account/features/{account_feature}", "/account/features/enable-metrics-api")
    w.call("PATCH", "/account/features/{account_feature}", "/account/features/enable-metrics-api",
           json={"enabled": False})  # fmt: skip
    pub = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHVJbGEHc2hlbWEta2V5LWZvci10ZXN0cw== " + name
    created = api.post("/account/keys", json={"public_key": pub})  # beyond the schema
    assert created.status_code == 201, created.text
    w.call("GET", "/account/keys", "/account/keys")
    w.call("GET", "/account/keys/{key}", f"/account/keys/{created.json()['id']}")
    gone = api.delete(f"/account/keys/{created.json()['fingerprint']}")  # beyond the schema
    assert gone.status_code == 200 and not api.get("/account/keys").json(), gone.text

    # log drains and sessions
    drain = w.call("POST", "/apps/{app}/log-drains", f"{a}/log-drains",
                   json={"url": "https://logs.example.com/drain"})  # fmt: skip
    w.call("GET", "/apps/{app}/log-drains", f"{a}/log-drains")
    w.call("GET", "/apps/{app}/log-drains/{drain}", f"{a}/log-drains/{drain['token']}")
    w.call("DELETE", "/apps/{app}/log-drains/{drain}", f"{a}/log-drains/{drain['id']}")
    w.call("POST", "/apps/{app}/log-sessions", f"{a}/log-sessions", json={"lines": 10})

    # pipelines: couple the app (staging) and a second one (production), promote the slug
    prod = w.call("POST", "/apps", "/apps", json={"name": f"{name}-p"})
    pipe = w.call("POST", "/pipelines", "/pipelines", json={"name": name})
    w.call("GET", "/pipelines", "/pipelines")
    w.call("GET", "/pipelines/{pipeline}", f"/pipelines/{pipe['name']}")
    w.call("PATCH", "/pipelines/{pipeline}", f"/pipelines/{pipe['id']}", json={"name": name})
    couple = {"app": name, "pipeline": pipe["id"], "stage": "development"}
    staging = w.call("POST", "/pipeline-couplings", "/pipeline-couplings", json=couple)
    w.call("PATCH", "/pipeline-couplings/{coupling}", f"/pipeline-couplings/{staging['id']}",
           json={"stage": "staging"})  # fmt: skip
    w.call("POST", "/pipeline-couplings", "/pipeline-couplings",
           json={"app": prod["id"], "pipeline": pipe["id"], "stage": "production"})  # fmt: skip
    w.call("GET", "/pipeline-couplings", "/pipeline-couplings")
    w.call("GET", "/pipelines/{pipeline}/pipeline-couplings",
           f"/pipelines/{pipe['id']}/pipeline-couplings")  # fmt: skip
    w.call("GET", "/pipeline-couplings/{coupling}", f"/pipeline-couplings/{staging['id']}")
    w.call("GET", "/apps/{app}/pipeline-couplings", f"{a}/pipeline-couplings")
    apps = w.call("POST", "/filters/apps", "/filters/apps", json={"in": {"id": [prod["id"]]}})
    assert [app["name"] for app in apps] == [prod["name"]]
    promotion = w.call("POST", "/pipeline-promotions", "/pipeline-promotions", json={
        "pipeline": {"id": pipe["id"]}, "source": {"app": {"id": api.get(a).json()["id"]}},
        "targets": [{"app": {"id": prod["id"]}}],
    })  # fmt: skip
    _wait(lambda: api.get(f"/pipeline-promotions/{promotion['id']}").json()["status"]
          == "completed", timeout=120)  # fmt: skip
    w.call("GET", "/pipeline-promotions/{promotion}", f"/pipeline-promotions/{promotion['id']}")
    targets = w.call("GET", "/pipeline-promotions/{promotion}/promotion-targets",
                     f"/pipeline-promotions/{promotion['id']}/promotion-targets")  # fmt: skip
    assert [t["status"] for t in targets] == ["succeeded"], targets
    w.call("DELETE", "/pipeline-couplings/{coupling}", f"/pipeline-couplings/{staging['id']}")
    w.call("DELETE", "/pipelines/{pipeline}", f"/pipelines/{pipe['id']}")
    w.call("DELETE", "/apps/{app}", f"/apps/{prod['id']}")

    # webhook events and deliveries, then teardown
    events = w.call("GET", "/apps/{app}/webhook-events", f"{a}/webhook-events")
    w.call("GET", "/apps/{app}/webhook-events/{event}", f"{a}/webhook-events/{events[0]['id']}")
    deliveries = w.call("GET", "/apps/{app}/webhook-deliveries", f"{a}/webhook-deliveries")
    w.call("GET", "/apps/{app}/webhook-deliveries/{delivery}",
           f"{a}/webhook-deliveries/{deliveries[0]['id']}")  # fmt: skip
    w.call("DELETE", "/apps/{app}/webhooks/{webhook}", f"{a}/webhooks/{hook['id']}")
    w.call("DELETE", "/apps/{app}/acm", f"{a}/acm")
    w.call("DELETE", "/apps/{app}", a)

    not_in_schema = sorted(k for k in implemented() if k not in w.links and k not in BEYOND_SCHEMA)
    missed = sorted(k for k in implemented() if k in w.links and k not in w.covered)
    print(f"\nschema links covered: {len(w.covered)} of {len(implemented())} implemented "
          f"({sum(len(v) for v in w.links.values())} in the schema); "
          f"violations: {len(w.violations)}")  # fmt: skip
    assert not w.violations, "\n".join(w.violations)
    assert not missed, f"implemented but not walked: {missed}"
    assert not not_in_schema, f"routes with no schema link: {not_in_schema}"
