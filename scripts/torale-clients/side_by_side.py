"""Sends the same sequence of REST requests to Torale's own backend and to the gateway and prints
where their answers differ: status, JSON shape (keys, value types, nullability), `detail` text of
errors, and the headers a client reads. Both servers in no-auth mode (requests carry no
credentials), both with an agent answering runs (agent.mjs), each on its own fresh database.

    python side_by_side.py --torale http://127.0.0.1:18210 --gateway http://127.0.0.1:18200 \
        [--json out.json]

Ids differ between the two, so each side keeps its own: a step may `save` a value from its answer
under a name that later paths and bodies use as `{name}`. Torale rate-limits some routes (10 task
creates a minute, ...): both sides are paced the same way. Gateway additions (extra keys, extra
routes) are listed as additions, not differences.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
import uuid
from collections import defaultdict

import httpx

NOBODY = "00000000-0000-4000-8000-000000000000"
HOOK = "https://hooks.example.com/torale"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
READ_HEADERS = ("content-type", "www-authenticate", "location", "allow", "retry-after", "cache-control")
# Torale's per-route limits (slowapi), as (path regex, method, per minute).
LIMITS = [
    (r"^/api/v1/tasks/?$", "POST", 10), (r"^/api/v1/public/tasks/?(\?|$)", "GET", 10),
    (r"^/api/v1/public/feed", "GET", 10), (r"^/api/v1/public/tasks/id/", "GET", 20),
    (r"^/tasks/.*/rss", "GET", 10), (r"^/api/v1/webhooks/test", "POST", 5), (r"^/auth/api-keys$", "POST", 3),
    (r"^/public/waitlist", "POST", 5), (r"^/api/v1/email-verification/send", "POST", 5),
]

RUN = uuid.uuid4().hex[:6]  # task names are unique per user on both sides: each run uses its own
T = {"search_query": "When is the next rig launch?", "condition_description": "A launch date is announced"}


def steps():
    """(name, method, path, body, save, wait). `save` maps a name to a path in the JSON answer."""
    s = []

    def add(name, method, path, body=None, save=None, wait=0.0, raw=None):
        s.append({"name": name, "method": method, "path": path, "body": body, "save": save or {}, "wait": wait,
                  "raw": raw})

    add("health", "GET", "/health")
    add("public stats", "GET", "/public/stats")
    add("me", "GET", "/auth/me", save={"user_id": "id"})
    add("sync user", "POST", "/auth/sync-user")
    add("mark welcome seen", "POST", "/auth/mark-welcome-seen")
    add("me after welcome", "GET", "/auth/me")
    add("list api keys", "GET", "/auth/api-keys")
    add("api key: empty name", "POST", "/auth/api-keys", {"name": ""})
    add("api key: no body", "POST", "/auth/api-keys", raw=b"")
    add("revoke unknown key", "DELETE", f"/auth/api-keys/{NOBODY}")
    add("templates", "GET", "/api/v1/templates/", save={"tpl": "0.id"})
    add("templates (no slash)", "GET", "/api/v1/templates")
    add("template by id", "GET", "/api/v1/templates/{tpl}")
    add("template unknown", "GET", f"/api/v1/templates/{NOBODY}")
    add("template bad id", "GET", "/api/v1/templates/not-a-uuid")
    # Tasks: create.
    add("create minimal", "POST", "/api/v1/tasks/", {"search_query": "Minimal rig query"}, save={"t1": "id"})
    add("create full (no slash)", "POST", "/api/v1/tasks", {
        "name": f"Full {RUN}", **T, "state": "active", "run_immediately": False,
        "notifications": [{"type": "webhook", "url": HOOK, "method": "POST", "headers": {"X-Token": "abc"}},
                          {"type": "email", "address": "test@example.com"}]}, save={"t2": "id"})
    add("create: webhook headers null (SDK builder)", "POST", "/api/v1/tasks/", {
        "name": f"Builder {RUN}", **T, "notifications": [{"type": "webhook", "url": HOOK, "headers": None}],
        "state": "active"}, save={"t3": "id"})
    add("create: SDK model_dump notification", "POST", "/api/v1/tasks/", {
        "name": f"Dump {RUN}", **T, "notifications": [{"type": "webhook", "address": None, "template": None, "url": HOOK,
                                                 "method": "POST", "headers": None}]}, save={"t4": "id"})
    add("create: context null", "POST", "/api/v1/tasks/", {"name": f"Ctx null {RUN}", **T, "context": None},
        save={"t5": "id"}, wait=6)
    add("create: context object", "POST", "/api/v1/tasks/", {"name": f"Ctx {RUN}", **T, "context": {"action": "x"}})
    add("create: paused", "POST", "/api/v1/tasks/", {"name": f"Paused {RUN}", **T, "state": "paused"}, save={"tp": "id"})
    add("create: unknown field", "POST", "/api/v1/tasks/", {"name": f"Extra {RUN}", **T, "colour": "blue"},
        save={"t6": "id"})
    add("create: run_immediately", "POST", "/api/v1/tasks/", {"name": f"Now {RUN}", **T, "run_immediately": True},
        save={"t7": "id"}, wait=6)
    add("create: missing search_query", "POST", "/api/v1/tasks/", {"name": "No query"})
    add("create: empty name", "POST", "/api/v1/tasks/", {"name": "", **T})
    add("create: bad state", "POST", "/api/v1/tasks/", {**T, "state": "sleeping"})
    add("create: notification type sms", "POST", "/api/v1/tasks/", {**T, "notifications": [{"type": "sms"}]},
        wait=6)
    add("create: webhook http", "POST", "/api/v1/tasks/", {
        **T, "notifications": [{"type": "webhook", "url": "http://hooks.example.com/x"}]})
    add("create: two webhooks", "POST", "/api/v1/tasks/", {
        **T, "notifications": [{"type": "webhook", "url": HOOK}, {"type": "webhook", "url": HOOK + "2"}]})
    add("create: email without address", "POST", "/api/v1/tasks/", {**T, "notifications": [{"type": "email"}]})
    add("create: webhook without url", "POST", "/api/v1/tasks/", {**T, "notifications": [{"type": "webhook"}]})
    add("create: search_query not a string", "POST", "/api/v1/tasks/", {"search_query": 42})
    add("create: body not JSON", "POST", "/api/v1/tasks/", raw=b"{not json")
    add("create: body an array", "POST", "/api/v1/tasks/", [1, 2])
    # Tasks: read.
    add("list", "GET", "/api/v1/tasks/")
    add("list (no slash)", "GET", "/api/v1/tasks")
    add("list active", "GET", "/api/v1/tasks/?state=active")
    add("list paused", "GET", "/api/v1/tasks/?state=paused")
    add("list bad state", "GET", "/api/v1/tasks/?state=bogus")
    add("get", "GET", "/api/v1/tasks/{t2}")
    add("get (trailing slash)", "GET", "/api/v1/tasks/{t2}/")
    add("get builder task", "GET", "/api/v1/tasks/{t3}")
    add("get unknown", "GET", f"/api/v1/tasks/{NOBODY}")
    add("get bad id", "GET", "/api/v1/tasks/not-a-uuid")
    # Tasks: update.
    add("put name", "PUT", "/api/v1/tasks/{t1}", {"name": f"Renamed {RUN}"})
    add("put pause", "PUT", "/api/v1/tasks/{t1}", {"state": "paused"})
    add("put paused -> completed", "PUT", "/api/v1/tasks/{t1}", {"state": "completed"})
    add("put resume", "PUT", "/api/v1/tasks/{t1}", {"state": "active"})
    add("put notifications", "PUT", "/api/v1/tasks/{t1}", {
        "notifications": [{"type": "webhook", "url": HOOK, "headers": None}]})
    add("put notifications empty", "PUT", "/api/v1/tasks/{t3}", {"notifications": []})
    add("put context", "PUT", "/api/v1/tasks/{t1}", {"context": {"action": "y"}})
    add("put name null", "PUT", "/api/v1/tasks/{t1}", {"name": None})
    add("put empty body", "PUT", "/api/v1/tasks/{t1}", {})
    add("put bad state", "PUT", "/api/v1/tasks/{t1}", {"state": "sleeping"})
    add("put unknown field", "PUT", "/api/v1/tasks/{t1}", {"colour": "red"})
    add("put webhook http", "PUT", "/api/v1/tasks/{t1}", {"notifications": [{"type": "webhook", "url": "http://x.example"}]})
    add("put unknown task", "PUT", f"/api/v1/tasks/{NOBODY}", {"name": "x"})
    add("put bad id", "PUT", "/api/v1/tasks/not-a-uuid", {"name": "x"})
    add("patch (partial update)", "PATCH", "/api/v1/tasks/{t1}", {"state": "paused"})
    add("put resume again", "PUT", "/api/v1/tasks/{t1}", {"state": "active"})
    # Visibility, fork.
    add("visibility public", "PATCH", "/api/v1/tasks/{t2}/visibility", {"is_public": True})
    add("visibility missing field", "PATCH", "/api/v1/tasks/{t2}/visibility", {})
    add("visibility unknown task", "PATCH", f"/api/v1/tasks/{NOBODY}/visibility", {"is_public": True})
    add("fork", "POST", "/api/v1/tasks/{t2}/fork", {"name": f"Forked {RUN}"}, save={"tf": "id"})
    add("fork no body", "POST", "/api/v1/tasks/{t2}/fork", raw=b"")
    add("fork unknown", "POST", f"/api/v1/tasks/{NOBODY}/fork", {})
    # Runs.
    add("execute", "POST", "/api/v1/tasks/{t2}/execute", save={"e1": "id"})
    add("execute again (force)", "POST", "/api/v1/tasks/{t2}/execute", wait=4)
    add("execute force=false", "POST", "/api/v1/tasks/{t1}/execute?force=false", wait=4)
    add("execute unknown", "POST", f"/api/v1/tasks/{NOBODY}/execute")
    add("executions", "GET", "/api/v1/tasks/{t2}/executions")
    add("executions limit=1", "GET", "/api/v1/tasks/{t2}/executions?limit=1")
    add("executions unknown task", "GET", f"/api/v1/tasks/{NOBODY}/executions")
    add("notifications", "GET", "/api/v1/tasks/{t2}/notifications")
    add("notifications unknown task", "GET", f"/api/v1/tasks/{NOBODY}/notifications")
    add("get after run (last_execution)", "GET", "/api/v1/tasks/{t2}")
    add("list after run", "GET", "/api/v1/tasks/?state=active")
    add("feed", "GET", "/api/v1/tasks/feed")
    add("feed limit", "GET", "/api/v1/tasks/feed?limit=5")
    add("feed bad limit", "GET", "/api/v1/tasks/feed?limit=0")
    # Public.
    add("public tasks", "GET", "/api/v1/public/tasks")
    add("public tasks popular", "GET", "/api/v1/public/tasks?offset=0&limit=20&sort_by=popular")
    add("public tasks bad sort", "GET", "/api/v1/public/tasks?sort_by=bogus")
    add("public tasks limit 0", "GET", "/api/v1/public/tasks?limit=0")
    add("public feed", "GET", "/api/v1/public/feed?limit=50")
    add("public task by id", "GET", "/api/v1/public/tasks/id/{t2}")
    add("public task private", "GET", "/api/v1/public/tasks/id/{t1}")
    add("public task unknown", "GET", f"/api/v1/public/tasks/id/{NOBODY}")
    add("rss public", "GET", "/tasks/{t2}/rss")
    add("rss private", "GET", "/tasks/{t1}/rss")
    add("og image", "GET", "/api/v1/og/tasks/{t2}.jpg")
    # Webhooks.
    add("webhook config", "GET", "/api/v1/webhooks/config")
    add("webhook config set", "PUT", "/api/v1/webhooks/config", {"webhook_url": HOOK, "enabled": True})
    add("webhook config read back", "GET", "/api/v1/webhooks/config")
    add("webhook config bad url", "PUT", "/api/v1/webhooks/config", {"webhook_url": "not a url", "enabled": True})
    add("webhook config clear", "PUT", "/api/v1/webhooks/config", {"webhook_url": None, "enabled": False})
    add("webhook test missing secret", "POST", "/api/v1/webhooks/test", {"webhook_url": HOOK})
    add("webhook verify challenge", "POST", "/api/v1/webhooks/verify", {"challenge": "abc"})
    add("webhook verify slack", "POST", "/api/v1/webhooks/verify", {"type": "url_verification", "challenge": "c"})
    add("webhook verify other", "POST", "/api/v1/webhooks/verify", {"hello": 1})
    add("webhook verify not json", "POST", "/api/v1/webhooks/verify", raw=b"nope")
    add("deliveries", "GET", "/api/v1/webhooks/deliveries")
    add("deliveries limit", "GET", "/api/v1/webhooks/deliveries?limit=10")
    add("deliveries task", "GET", "/api/v1/webhooks/deliveries?task_id={t2}")
    add("deliveries unknown task", "GET", f"/api/v1/webhooks/deliveries?task_id={NOBODY}")
    add("deliveries bad task id", "GET", "/api/v1/webhooks/deliveries?task_id=nope")
    # Notifications history, email, connectors, waitlist, admin.
    add("notification sends", "GET", "/api/v1/notifications/sends")
    add("notification sends email", "GET", "/api/v1/notifications/sends?notification_type=email&limit=10")
    add("notification sends bad type", "GET", "/api/v1/notifications/sends?notification_type=fax")
    add("verified emails", "GET", "/api/v1/email-verification/verified-emails")
    add("verify without pending", "POST", "/api/v1/email-verification/verify", {"email": "a@example.com", "code": "123456"})
    add("send code bad email", "POST", "/api/v1/email-verification/send", {"email": "not-an-email"})
    add("remove unknown verified email", "DELETE", "/api/v1/email-verification/verified-emails/a@example.com")
    add("connectors", "GET", "/api/v1/connectors")
    add("connectors available", "GET", "/api/v1/connectors/available")
    add("waitlist join", "POST", "/public/waitlist", {"email": f"rig-{uuid.uuid4().hex[:6]}@example.com"})
    add("waitlist bad email", "POST", "/public/waitlist", {"email": "nope"})
    add("admin stats", "GET", "/admin/stats")
    add("admin users", "GET", "/admin/users")
    # Delete.
    add("delete", "DELETE", "/api/v1/tasks/{tp}")
    add("delete again", "DELETE", "/api/v1/tasks/{tp}")
    add("delete bad id", "DELETE", "/api/v1/tasks/not-a-uuid")
    add("unknown route", "GET", "/api/v1/nope")
    add("method not allowed", "DELETE", "/api/v1/tasks/")
    return s


def dig(obj, path: str):
    for part in path.split("."):
        obj = obj[int(part)] if isinstance(obj, list) else obj[part]
    return obj


def fill(value, saved: dict):
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: str(saved.get(m.group(1), NOBODY)), value)
    if isinstance(value, list):
        return [fill(v, saved) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, saved) for k, v in value.items()}
    return value


def kind(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        if UUID_RE.match(v):
            return "uuid"
        if ISO_RE.match(v):
            return "datetime"
        return "str"
    if isinstance(v, list):
        return "array"
    return "object"


def shape(v, path="$", out=None):
    """{json path: set of kinds}; array items merged under `path[]`."""
    out = out if out is not None else defaultdict(set)
    out[path].add(kind(v))
    if isinstance(v, dict):
        for k, x in v.items():
            shape(x, f"{path}.{k}", out)
    elif isinstance(v, list):
        for x in v:
            shape(x, f"{path}[]", out)
    return out


class Pacer:
    def __init__(self):
        self.seen = defaultdict(list)
        self.lock = threading.Lock()

    def wait(self, method, path):
        for rx, m, per_min in LIMITS:
            if m == method and re.search(rx, path):
                key = (rx, m)
                while True:
                    now = time.time()
                    recent = [t for t in self.seen[key] if now - t < 61]
                    self.seen[key] = recent
                    if len(recent) < per_min:
                        recent.append(now)
                        return
                    time.sleep(61 - (now - recent[0]))


def run_side(base: str, plan: list, out: list):
    saved: dict = {}
    pacer = Pacer()
    # A fresh connection per request: uvicorn closes idle keep-alive connections after 5 s.
    limits = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=base, timeout=60, follow_redirects=True, limits=limits) as c:
        for st in plan:
            path = fill(st["path"], saved)
            pacer.wait(st["method"], path.split("?")[0] if "rss" in path else path)
            kw = {}
            if st["raw"] is not None:
                kw["content"] = st["raw"]
                kw["headers"] = {"content-type": "application/json"}
            elif st["body"] is not None:
                kw["json"] = fill(st["body"], saved)
            try:
                r = c.request(st["method"], path, **kw)
            except httpx.TransportError as e:  # Torale drops the connection on some unhandled errors
                out.append({"status": 0, "headers": {}, "all_headers": [], "body": None,
                            "text": f"no answer: {type(e).__name__}"})
                continue
            try:
                body = r.json()
            except ValueError:
                body = None
            for name, p in st["save"].items():
                try:
                    saved[name] = dig(body, p)
                except (KeyError, IndexError, TypeError):
                    pass
            out.append({"status": r.status_code, "headers": {k: r.headers.get(k) for k in READ_HEADERS if k in r.headers},
                        "all_headers": sorted(r.headers.keys()), "body": body,
                        "text": None if body is not None else r.text[:200]})
            if st["wait"]:
                time.sleep(st["wait"])


def compare(st, a, b):
    """Differences (Torale a, gateway b) as lines; additions separately."""
    diffs, adds = [], []
    if a["status"] != b["status"]:
        diffs.append(f"status {a['status']} vs {b['status']}")
    ca = (a["headers"].get("content-type") or "").split(";")[0]
    cb = (b["headers"].get("content-type") or "").split(";")[0]
    if ca != cb:
        diffs.append(f"content-type {ca or '-'} vs {cb or '-'}")
    for h in ("www-authenticate", "location", "allow"):
        if (h in a["headers"]) != (h in b["headers"]):
            diffs.append(f"header {h}: {a['headers'].get(h)} vs {b['headers'].get(h)}")
    da, db = a["body"], b["body"]
    if isinstance(da, dict) and isinstance(db, dict) and isinstance(da.get("detail"), str):
        if da.get("detail") != db.get("detail"):
            diffs.append(f"detail {da.get('detail')!r} vs {db.get('detail')!r}")
        return diffs, adds
    if a["status"] >= 400 or b["status"] >= 400:
        if a["status"] == 422 and b["status"] == 422:
            def errs(body):
                items = body.get("detail") if isinstance(body, dict) else body
                if not isinstance(items, list):
                    return repr(items)
                return sorted((tuple(e.get("loc", [])), e.get("type")) for e in items if isinstance(e, dict))
            if errs(da) != errs(db):
                diffs.append(f"422 (loc, type) {errs(da)} vs {errs(db)}")
        return diffs, adds
    sa, sb = shape(da), shape(db)
    for p, ka in sorted(sa.items()):
        kb = sb.get(p)
        if kb is None:
            # A path only Torale has: only a difference when its parent exists on the gateway.
            parent = p.rsplit(".", 1)[0] if "." in p else None
            if parent is None or parent in sb:
                diffs.append(f"missing {p} ({'/'.join(sorted(ka))})")
            continue
        if "null" in ka and len(ka) == 1 or "null" in kb and len(kb) == 1:
            continue  # one side had no value here; types unknown
        ta, tb = ka - {"null"}, kb - {"null"}
        if ta and tb and not (ta & tb):
            diffs.append(f"type {p}: {'/'.join(sorted(ka))} vs {'/'.join(sorted(kb))}")
    for p in sorted(set(sb) - set(sa)):
        parent = p.rsplit(".", 1)[0] if "." in p else None
        if parent in sa:
            adds.append(p)
    return diffs, adds


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--torale", required=True)
    ap.add_argument("--gateway", required=True)
    ap.add_argument("--json")
    args = ap.parse_args()
    plan = steps()
    ra, rb = [], []
    ta = threading.Thread(target=run_side, args=(args.torale, plan, ra))
    tb = threading.Thread(target=run_side, args=(args.gateway, plan, rb))
    ta.start(), tb.start(), ta.join(), tb.join()
    same = 0
    report = []
    for st, a, b in zip(plan, ra, rb):
        diffs, adds = compare(st, a, b)
        report.append({"step": st["name"], "method": st["method"], "path": st["path"], "torale": a["status"],
                       "gateway": b["status"], "diffs": diffs, "additions": adds,
                       "torale_body": a["body"] if a["body"] is not None else a["text"],
                       "gateway_body": b["body"] if b["body"] is not None else b["text"]})
        if not diffs:
            same += 1
            print(f"same  {st['method']:6} {st['path']:55} {a['status']}")
        else:
            print(f"DIFF  {st['method']:6} {st['path']:55} {a['status']}/{b['status']}  {st['name']}")
            for d in diffs:
                print(f"        - {d}")
    print(f"\n{len(plan)} requests: {same} answered alike, {len(plan) - same} differ")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
