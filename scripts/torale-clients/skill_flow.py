"""Torale's agent skill (skills/torale/SKILL.md in the Torale repository), followed to the letter
with an API key: the REST calls it documents (base URL + /api/v1, no trailing slashes) and the
webhook payload it tells the agent to read. Prints one PASS/FAIL line per step:

 1. create    POST /tasks with a webhook notification carrying a custom header and `context`
 2. webhook   the task's first check (no Run Now: the skill never calls it) POSTs to the local
              receiver: event_type, data.context.action, data.execution.notification,
              data.result.answer, data.result.grounding_sources as [{url, title}], custom header
 3. pause     PATCH /tasks/{id} {"state": "paused"}
 4. resume    PATCH /tasks/{id} {"state": "active"}
(then list, status and delete, as the skill documents them, reported but not counted).

    python skill_flow.py --url http://127.0.0.1:18200 --key sk_... [--hook-port 18240] [--wait 100]
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

received: list[dict] = []


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        received.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body.decode()})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *a):
        pass


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="server root; the skill's base URL is this + /api/v1")
    ap.add_argument("--key", required=True)
    ap.add_argument("--hook-port", type=int, default=18240)
    ap.add_argument("--hook-url", help="URL given for the webhook (default: the local receiver, no trailing slash)")
    ap.add_argument("--wait", type=float, default=100, help="seconds to wait for the first check's webhook")
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", args.hook_port), Hook)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    hook = args.hook_url or f"http://127.0.0.1:{args.hook_port}/torale-hook"

    api = httpx.Client(base_url=args.url.rstrip("/") + "/api/v1", timeout=30,
                       headers={"Authorization": f"Bearer {args.key}"})
    ok: list[bool] = []

    def report(name, passed, note):
        ok.append(passed)
        print(f"{'PASS' if passed else 'FAIL'} {name}  {note}", flush=True)

    context = {"source": "claude-code", "original_prompt": "Let me know when the rig launches",
               "action": "draft a tweet about the launch"}
    r = api.post("/tasks", json={
        "name": "Rig launch", "search_query": "Rig launch date announcement",
        "condition_description": "The rig launch date is officially announced",
        "notifications": [{"type": "webhook", "url": hook, "headers": {"Authorization": "Bearer hook-token-123"}}],
        "context": context,
    })
    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
    task_id = body.get("id")
    report("1 create", r.status_code == 200 and bool(task_id) and body.get("context") == context,
           f"{r.status_code} id={task_id} context={body.get('context')} next_run={body.get('next_run')}"
           + ("" if r.status_code == 200 else f" body={r.text[:300]}"))
    if not task_id:
        print("\nskill flow passed 0/4")
        return 1

    deadline = time.time() + args.wait
    while time.time() < deadline and not received:
        time.sleep(1)
    if not received:
        report("2 webhook", False, f"nothing arrived within {args.wait:.0f}s")
    else:
        hit = received[0]
        problems = []
        try:
            p = json.loads(hit["body"])
            d = p.get("data", {})
            if p.get("event_type") != "task.condition_met":
                problems.append(f"event_type={p.get('event_type')!r}")
            if (d.get("context") or {}).get("action") != context["action"]:
                problems.append(f"data.context={d.get('context')!r}")
            if not isinstance((d.get("execution") or {}).get("notification"), str):
                problems.append(f"data.execution={d.get('execution')!r}")
            res = d.get("result") or {}
            if not isinstance(res.get("answer"), str) or not res.get("answer"):
                problems.append(f"data.result.answer={res.get('answer')!r}")
            gs = res.get("grounding_sources")
            if not gs or not all(isinstance(s, dict) and isinstance(s.get("url"), str)
                                 and isinstance(s.get("title"), str) for s in gs):
                problems.append(f"data.result.grounding_sources={gs!r}")
            if (d.get("task") or {}).get("id") != task_id:
                problems.append("data.task.id")
        except ValueError:
            problems.append(f"body is not JSON: {hit['body'][:100]}")
        if hit["headers"].get("authorization") != "Bearer hook-token-123":
            problems.append(f"custom header Authorization={hit['headers'].get('authorization')!r}")
        report("2 webhook", not problems,
               "; ".join(problems) if problems else
               f"action={d['context']['action']!r} sources={res['grounding_sources']} "
               f"headers={sorted(h for h in hit['headers'] if h.startswith('x-torale') or h.startswith('webhook-'))}")

    r = api.patch(f"/tasks/{task_id}", json={"state": "paused"})
    report("3 pause", r.status_code == 200 and r.json().get("state") == "paused", f"{r.status_code} {r.text[:120]}")
    r = api.patch(f"/tasks/{task_id}", json={"state": "active"})
    report("4 resume", r.status_code == 200 and r.json().get("state") == "active", f"{r.status_code} {r.text[:120]}")

    lst = api.get("/tasks")
    one = api.get(f"/tasks/{task_id}")
    last = (one.json() or {}).get("last_execution") if one.status_code == 200 else None
    gone = api.delete(f"/tasks/{task_id}")
    print(f"     (list {lst.status_code} with {len(lst.json()) if lst.status_code == 200 else '-'} tasks; "
          f"status {one.status_code}, last_execution.status={last and last.get('status')}; delete {gone.status_code})")
    print(f"\nskill flow passed {sum(ok)}/4; webhooks received: {len(received)}")
    srv.shutdown()
    return 0 if sum(ok) == 4 else 1


if __name__ == "__main__":
    sys.exit(main())
