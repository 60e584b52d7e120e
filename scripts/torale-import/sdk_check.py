"""Torale's own SDK (unmodified, importable as in scripts/torale-clients/setup-rig.sh) against the
gateway, with an imported Torale key: lists the key owner's tasks, their runs and findings, and
compares them with what Torale's database holds for that user.

    PYTHONPATH=$VENV/sdkpkg $VENV/bin/python sdk_check.py --url http://127.0.0.1:18500 --key sk_... \
        --torale postgresql://postgres@127.0.0.1:5432/import_proof_torale
Prints one JSON object; exits 1 when the SDK's view and Torale's rows disagree.
"""

import argparse
import json
import sys

import psycopg2
from torale.sdk import Torale


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--torale", required=True)
    a = p.parse_args()
    client = Torale(api_key=a.key, api_url=a.url)
    tasks = client.tasks.list()
    conn = psycopg2.connect(a.torale)
    with conn.cursor() as cur:
        cur.execute(
            "select t.id::text, t.name, t.state from tasks t join api_keys k on k.user_id = t.user_id"
            " where k.key_prefix = %s and k.is_active order by t.id",
            (a.key[:15] + "...",),
        )
        torale_tasks = {r[0]: (r[1], r[2]) for r in cur.fetchall()}
        problems = []
        sdk_tasks = {str(t.id): (t.name, t.state.value if hasattr(t.state, "value") else t.state) for t in tasks}
        if sdk_tasks != torale_tasks:
            problems.append({"tasks": {"sdk": sdk_tasks, "torale": torale_tasks}})
        runs = {}
        for task in tasks:
            executions = client.tasks.executions(task.id, limit=100)
            notified = client.tasks.notifications(task.id, limit=100)
            cur.execute(
                "select id::text, status, notification, grounding_sources from task_executions"
                " where task_id = %s order by id",
                (str(task.id),),
            )
            rows = cur.fetchall()
            want_notified = sorted(r[0] for r in rows if r[2] is not None and r[1] == "success")
            got_notified = sorted(str(e.id) for e in notified)
            if sorted(str(e.id) for e in executions) != sorted(r[0] for r in rows):
                problems.append({"executions of": str(task.id)})
            if got_notified != want_notified:
                problems.append({"notifications of": str(task.id), "sdk": got_notified, "torale": want_notified})
            for e in notified:
                row = next(r for r in rows if r[0] == str(e.id))
                sources = row[3] or []
                urls = [s if isinstance(s, str) else s["url"] for s in sources]
                got_urls = [s.url if hasattr(s, "url") else s["url"] for s in (e.grounding_sources or [])]
                if e.notification != row[2] or got_urls != urls:
                    problems.append({"finding": str(e.id), "sdk": [e.notification, got_urls], "torale": [row[2], urls]})
            runs[str(task.id)] = {
                "name": task.name,
                "state": str(task.state),
                "executions": len(executions),
                "notifications": len(notified),
                "first finding": (
                    {
                        "notification": notified[0].notification,
                        "sources": [
                            s.url if hasattr(s, "url") else s["url"] for s in (notified[0].grounding_sources or [])
                        ],
                    }
                    if notified
                    else None
                ),
            }
    conn.close()
    print(json.dumps({"tasks": len(tasks), "torale tasks": len(torale_tasks), "runs": runs, "problems": problems},
                     indent=1, default=str))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
