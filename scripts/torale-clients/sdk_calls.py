"""Runs every resource call of Torale's published Python SDK (`torale.sdk`, unmodified) against a
server and prints one PASS/FAIL line per call: tasks (create, builder with notify(webhook=...),
list with active, get, update, execute, executions, notifications, delete), webhooks (config,
test, deliveries) and the async client. Each answer goes through the SDK's own pydantic models;
on top of that the script checks the fields those models leave loose (`dict`) that Torale's
clients read: notification items, `grounding_sources: [{url, title}]`, the stored `result`.

    python sdk_calls.py --url http://127.0.0.1:18200 --key sk_...   [--hook-port 18230]

Needs the SDK importable (`torale.sdk`; see README.md beside this file) and an agent answering
runs (agent.mjs). Exits 1 when a call failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from torale.sdk import Torale, ToraleAsync, monitor
from torale.tasks import NotificationConfig, Task, TaskExecution

received: list[dict] = []


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        received.append({"path": self.path, "headers": dict(self.headers), "body": body.decode()})
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *a):
        pass


results: list[tuple[str, bool, str]] = []


def check(name: str, fn):
    try:
        note = fn() or ""
        results.append((name, True, note))
        print(f"PASS {name}  {note}", flush=True)
    except Exception as e:  # noqa: BLE001 - every failure is a finding
        results.append((name, False, f"{type(e).__name__}: {e}"))
        print(f"FAIL {name}  {type(e).__name__}: {str(e)[:400]}", flush=True)
        traceback.print_exc(limit=2, file=sys.stderr)


def expect(cond: bool, what: str):
    if not cond:
        raise AssertionError(what)


def check_notification_items(task: Task, raw_keys: set[str] | None = None):
    for n in task.notifications:
        expect(isinstance(n, NotificationConfig), f"notification item not a NotificationConfig: {n!r}")


def check_execution(ex: TaskExecution, need_sources: bool):
    expect(isinstance(ex, TaskExecution), "not a TaskExecution")
    gs = ex.grounding_sources
    if need_sources:
        expect(bool(gs), f"execution {ex.id} has no grounding_sources")
    for s in gs or []:
        expect(isinstance(s, dict) and isinstance(s.get("url"), str) and isinstance(s.get("title"), str),
               f"grounding source is not {{url, title}}: {s!r}")
    if ex.status == "success":
        r = ex.result or {}
        for k in ("evidence", "notification", "confidence", "next_run", "grounding_sources", "activity", "metadata"):
            expect(k in r, f"result lacks {k!r}: keys {sorted(r)}")
        for k in ("notification_failed", "auto_complete_failed"):  # Torale merges these in when they happen
            expect(isinstance(r.get(k, False), bool), f"result.{k} is not a bool: {r.get(k)!r}")
        expect(isinstance(r["metadata"], dict) and "changed" in r["metadata"] and "current_state" in r["metadata"],
               f"result.metadata is not {{changed, current_state}}: {r.get('metadata')!r}")
        for s in r["grounding_sources"]:
            expect(isinstance(s, dict) and "url" in s and "title" in s, f"result.grounding_sources item {s!r}")


def wait_for_run(client: Torale, task_id, seconds=40) -> list[TaskExecution]:
    deadline = time.time() + seconds
    while time.time() < deadline:
        runs = client.tasks.executions(task_id)
        if runs and runs[0].status in ("success", "failed", "cancelled"):
            return runs
        time.sleep(1)
    raise TimeoutError(f"no finished run for {task_id} within {seconds}s")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--hook-port", type=int, default=18230)
    ap.add_argument("--hook-url", help="URL given to the server for webhooks (default: the local receiver); "
                    "Torale itself takes only https")
    args = ap.parse_args()

    srv = ThreadingHTTPServer(("127.0.0.1", args.hook_port), Hook)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    hook = args.hook_url or f"http://127.0.0.1:{args.hook_port}/hook"

    client = Torale(api_key=args.key, api_url=args.url)
    state: dict = {}

    def create():
        t = client.tasks.create(
            name="SDK create", search_query="When is the next rig launch?",
            condition_description="A launch date is announced",
            notifications=[NotificationConfig(type="webhook", url=hook, headers={"X-Rig": "1"})],
        )
        check_notification_items(t)
        expect(t.notifications[0].url == hook and t.notifications[0].headers == {"X-Rig": "1"},
               f"notification echo {t.notifications!r}")
        state["task"] = t
        return f"id={t.id} state={t.state} next_run={t.next_run}"

    def builder():
        t = monitor("Builder query: rig release", client=client).when("rig is released").notify(webhook=hook).create()
        expect(t.notifications and t.notifications[0].type == "webhook" and t.notifications[0].headers is None,
               f"builder notification echo {t.notifications!r}")
        state["built"] = t
        return f"id={t.id} notifications={[n.model_dump() for n in t.notifications]}"

    def list_active():
        active = client.tasks.list(active=True)
        paused = client.tasks.list(active=False)
        ids = {str(t.id) for t in active}
        expect(str(state["task"].id) in ids, "created task not in list(active=True)")
        expect(all(t.state == "active" for t in active) and all(t.state == "paused" for t in paused),
               "list filter does not match state")
        return f"active={len(active)} paused={len(paused)}"

    def get():
        t = client.tasks.get(state["task"].id)
        expect(t.id == state["task"].id, "wrong task")
        return f"name={t.name!r} state_changed_at={t.state_changed_at.isoformat()}"

    def update():
        t = client.tasks.update(state["task"].id, name="SDK updated",
                                notifications=[NotificationConfig(type="webhook", url=hook)])
        expect(t.name == "SDK updated", "name not updated")
        check_notification_items(t)
        paused = client.tasks.update(state["built"].id, state="paused")
        expect(paused.state == "paused", "state not updated")
        return f"name={t.name!r} paused={paused.state}"

    def execute():
        ex = client.tasks.execute(state["task"].id)
        check_execution(ex, need_sources=False)
        state["exec"] = ex
        return f"execution={ex.id} status={ex.status}"

    def executions():
        runs = wait_for_run(client, state["task"].id)
        expect(runs[0].status == "success", f"run status {runs[0].status}: {runs[0].error_message}")
        for r in runs:
            check_execution(r, need_sources=r.status == "success")
        t = client.tasks.get(state["task"].id)
        expect(t.last_execution is not None, "task has no last_execution after a run")
        check_execution(t.last_execution, need_sources=True)
        return f"{len(runs)} runs; sources={runs[0].grounding_sources}"

    def notifications():
        ns = client.tasks.notifications(state["task"].id)
        expect(ns and all(n.notification for n in ns), f"notifications {ns!r}")
        for n in ns:
            check_execution(n, need_sources=True)
        return f"{len(ns)} notifications"

    def webhooks():
        cfg = client.webhooks.update_config(url=hook, enabled=True)
        expect({"url", "secret", "enabled"} <= set(cfg), f"config keys {sorted(cfg)}")
        got = client.webhooks.get_config()
        expect(got["url"] == hook and got["enabled"] is True and got["secret"], f"get_config {got!r}")
        before = len(received)
        tested = client.webhooks.test(url=hook, secret=got["secret"])
        expect(tested.get("success") is True, f"test answer {tested!r}")
        time.sleep(0.5)
        expect(len(received) > before, "test ping did not arrive")
        body = json.loads(received[-1]["body"])
        expect(body.get("event_type") == "task.condition_met" and isinstance(body.get("created_at"), int),
               f"test ping envelope {str(body)[:200]}")
        time.sleep(2)
        ds = client.webhooks.list_deliveries(limit=10)
        expect(isinstance(ds, list), f"deliveries is not a list: {type(ds).__name__}")
        mine = client.webhooks.list_deliveries(task_id=str(state["task"].id))
        expect(isinstance(mine, list), "task deliveries is not a list")
        for d in ds + mine:
            for k in ("id", "task_id", "webhook_url", "http_status", "attempt_number", "delivered_at",
                      "failed_at", "error_message", "created_at"):
                expect(k in d, f"delivery lacks {k}: {sorted(d)}")
        return f"config ok, test={tested.get('message')!r}, deliveries={len(ds)} (task: {len(mine)})"

    def delete():
        client.tasks.delete(state["built"].id)
        try:
            client.tasks.get(state["built"].id)
        except Exception as e:  # noqa: BLE001
            expect(type(e).__name__ == "NotFoundError", f"after delete: {type(e).__name__}")
            return "deleted, get -> NotFoundError"
        raise AssertionError("task still readable after delete")

    async def async_flow():
        async with ToraleAsync(api_key=args.key, api_url=args.url) as ac:
            t = await ac.tasks.create(name="SDK async", search_query="Async rig query",
                                      condition_description="async condition",
                                      notifications=[{"type": "webhook", "url": hook, "headers": None}])
            lst, got = await asyncio.gather(ac.tasks.list(active=True), ac.tasks.get(t.id))
            expect(any(x.id == t.id for x in lst) and got.id == t.id, "async list/get")
            upd = await ac.tasks.update(t.id, condition_description="async condition 2")
            expect(upd.condition_description == "async condition 2", "async update")
            ex = await ac.tasks.execute(t.id)
            check_execution(ex, need_sources=False)
            for _ in range(40):
                runs = await ac.tasks.executions(t.id)
                if runs and runs[0].status in ("success", "failed"):
                    break
                await asyncio.sleep(1)
            expect(runs and runs[0].status == "success", f"async run {runs[0].status if runs else None}")
            check_execution(runs[0], need_sources=True)
            ns = await ac.tasks.notifications(t.id)
            cfg = await ac.webhooks.get_config()
            ds = await ac.webhooks.list_deliveries(task_id=str(t.id))
            expect(isinstance(ds, list), "async deliveries is not a list")
            await ac.tasks.delete(t.id)
            return f"async create/list/get/update/execute/executions({len(runs)})/notifications({len(ns)})/config({bool(cfg)})/deliveries({len(ds)})/delete"

    check("tasks.create", create)
    check("monitor().notify(webhook=).create", builder)
    check("tasks.list(active=)", list_active)
    check("tasks.get", get)
    check("tasks.update", update)
    check("tasks.execute", execute)
    check("tasks.executions", executions)
    check("tasks.notifications", notifications)
    check("tasks.delete", delete)
    check("webhooks config/test/deliveries", webhooks)
    check("async client", lambda: asyncio.run(async_flow()))
    passed = sum(1 for _, ok, _ in results if ok)
    print(f"\nSDK calls passed {passed}/{len(results)}; webhooks received by the rig: {len(received)}")
    srv.shutdown()
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
