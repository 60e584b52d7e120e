// A stand-in for Torale's monitoring agent (torale-agent) for the client rig: the A2A JSON-RPC
// calls Torale's backend and the gateway both make (`message/send`, then `tasks/get` until the
// task is completed) answered at once with a DataPart shaped as Torale's MonitoringResponse —
// `sources` as URL strings, as the real agent sends them, so both sides turn them into
// `grounding_sources: [{url, title}]` themselves. Met unless the prompt's condition says "never".
//
//   PORT=18220 node scripts/torale-clients/agent.mjs
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 18220);
const tasks = new Map();

function answer(prompt) {
  const line = /^\s*condition[^:\n]*:\s*(.+)$/im.exec(prompt);
  const condition = (line?.[1] ?? prompt).trim().slice(0, 200);
  const met = !/\bnever\b/i.test(condition);
  return {
    evidence: `Rig agent: checked "${condition}"; ${met ? 'met' : 'not met'} (test data).`,
    sources: ['https://www.example.com/news/launch?id=1', 'https://docs.example.org/changelog'],
    confidence: met ? 90 : 10,
    next_run: new Date(Date.now() + 86_400_000).toISOString(),
    notification: met ? `Condition met: ${condition} (rig agent)` : null,
    topic: 'Rig check',
    activity: [{ tool: 'perplexity_search', detail: `Searched for ${condition.slice(0, 60)}` }],
  };
}

function handle(rpc) {
  if (rpc.method === 'tasks/get') {
    const task = tasks.get(String(rpc.params?.id ?? ''));
    return task
      ? { jsonrpc: '2.0', id: rpc.id, result: task }
      : { jsonrpc: '2.0', id: rpc.id, error: { code: -32001, message: 'Task not found' } };
  }
  if (rpc.method !== 'message/send') {
    return { jsonrpc: '2.0', id: rpc.id ?? null, error: { code: -32601, message: `Method not found: ${rpc.method}` } };
  }
  const prompt = (rpc.params?.message?.parts ?? []).map((p) => p.text ?? '').join('\n');
  const id = randomUUID();
  const task = {
    kind: 'task',
    id,
    contextId: randomUUID(),
    status: { state: 'completed', timestamp: new Date().toISOString() },
    artifacts: [{ artifactId: randomUUID(), parts: [{ kind: 'data', data: answer(prompt) }] }],
  };
  tasks.set(id, task);
  if (tasks.size > 500) tasks.delete(tasks.keys().next().value);
  return { jsonrpc: '2.0', id: rpc.id, result: task };
}

createServer((req, res) => {
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    let out;
    try {
      out = handle(JSON.parse(body || '{}'));
    } catch {
      out = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } };
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  });
}).listen(port, '127.0.0.1', () => console.log(`rig agent on http://127.0.0.1:${port}/`));
