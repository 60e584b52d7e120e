// A local OTLP/HTTP trace receiver: accepts POST /v1/traces (protobuf, as the gateway's
// exporter sends it) and decodes the spans with a small protobuf wire-format reader —
// only the fields a test looks at (ids, parent, name, kind, attributes, resource).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  scope: string;
  resource: Record<string, string | number | boolean>;
}

export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  /** Resolves once `predicate` holds for the spans received so far. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      spans.push(...decodeExportTraceServiceRequest(Buffer.concat(chunks)));
      // An empty ExportTraceServiceResponse: full success.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    async waitFor(predicate, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (!predicate(spans)) {
        if (Date.now() > until) throw new Error(`spans not received in time; got ${spans.map((s) => s.name)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return spans;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Field = { no: number; wire: number; value: bigint | Buffer };

/** The fields of one protobuf message, in order (varint, fixed64, length-delimited, fixed32). */
function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buf[pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, value: varint() });
    else if (wire === 1) {
      out.push({ no, wire, value: buf.readBigUInt64LE(pos) });
      pos += 8;
    } else if (wire === 2) {
      const len = Number(varint());
      out.push({ no, wire, value: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 5) {
      out.push({ no, wire, value: BigInt(buf.readUInt32LE(pos)) });
      pos += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const bytesOf = (fs: Field[], no: number): Buffer[] =>
  fs.filter((f) => f.no === no && f.wire === 2).map((f) => f.value as Buffer);
const first = (fs: Field[], no: number): Buffer | undefined => bytesOf(fs, no)[0];

/** KeyValue { key = 1; AnyValue value = 2 }; AnyValue { string 1, bool 2, int 3, double 4 }. */
function attributes(kvs: Buffer[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const kv of kvs) {
    const f = fields(kv);
    const key = first(f, 1)?.toString('utf8') ?? '';
    const any = fields(first(f, 2) ?? Buffer.alloc(0))[0];
    if (!any) continue;
    if (any.no === 1) out[key] = (any.value as Buffer).toString('utf8');
    else if (any.no === 2) out[key] = any.value === 1n;
    else if (any.no === 3) out[key] = Number(BigInt.asIntN(64, any.value as bigint));
    else if (any.no === 4) {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(any.value as bigint);
      out[key] = b.readDoubleLE();
    }
  }
  return out;
}

/** ExportTraceServiceRequest → ResourceSpans (1) → ScopeSpans (2) → Span (2). */
export function decodeExportTraceServiceRequest(body: Buffer): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const rs of bytesOf(fields(body), 1)) {
    const rsf = fields(rs);
    const resource = attributes(bytesOf(fields(first(rsf, 1) ?? Buffer.alloc(0)), 1));
    for (const ss of bytesOf(rsf, 2)) {
      const ssf = fields(ss);
      const scope = first(fields(first(ssf, 1) ?? Buffer.alloc(0)), 1)?.toString('utf8') ?? '';
      for (const sp of bytesOf(ssf, 2)) {
        const f = fields(sp);
        spans.push({
          traceId: first(f, 1)?.toString('hex') ?? '',
          spanId: first(f, 2)?.toString('hex') ?? '',
          parentSpanId: first(f, 4)?.toString('hex') ?? '',
          name: first(f, 5)?.toString('utf8') ?? '',
          kind: Number(f.find((x) => x.no === 6)?.value ?? 0n),
          attributes: attributes(bytesOf(f, 9)),
          scope,
          resource,
        });
      }
    }
  }
  return spans;
}

/** One trace as an indented tree ("scope: name"), children in the order they were received. */
export function traceTree(trace: ReceivedSpan[]): string {
  const lines: string[] = [];
  const walk = (parent: string, depth: number) => {
    for (const s of trace.filter((x) => x.parentSpanId === parent)) {
      lines.push(`${'  '.repeat(depth)}${s.name}  [${s.scope}]`);
      walk(s.spanId, depth + 1);
    }
  };
  walk('', 0);
  return lines.join('\n');
}
