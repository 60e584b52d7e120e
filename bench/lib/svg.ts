// A hand-written SVG bar chart of the goals, no dependencies: one bar per goal (its ratio,
// or its value for absolute goals), a dark line where the goal is, green when met and red
// when not. Each bar has its own scale, 0 … twice its goal (longer when the bar is), so the
// goal line sits in the middle of every row and a ratio of 0.3 and a peak RSS of 240 MB read
// the same way: is the bar past the line, and by how much.
import type { Row } from './results.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (x: number) => (Math.abs(x) >= 100 ? Math.round(x).toString() : x.toFixed(2));

export function svgChart(rows: readonly Row[], caption: string): string {
  const goals = rows.filter((r) => r.goal);
  const W = 980;
  const labelW = 390;
  const barW = 360;
  const rowH = 30;
  const top = 56;
  const H = top + goals.length * rowH + 40;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">Torale Gateway bench: each goal against its floor (bar = measured, line = goal)</text>`,
  ];
  const words = caption.split(' ');
  let line = '';
  const lines: string[] = [];
  for (const w of words) {
    if ((line + w).length > 150) {
      lines.push(line);
      line = '';
    }
    line += `${w} `;
  }
  lines.push(line);
  out.push(`<text x="12" y="38" font-size="10" fill="#555">${esc(lines[0] ?? '')}</text>`);
  if (lines[1]) out.push(`<text x="12" y="50" font-size="10" fill="#555">${esc(lines.slice(1).join(' '))}</text>`);
  goals.forEach((r, i) => {
    const g = r.goal!;
    const x = (g.on === 'ratio' ? r.ratio : r.value) ?? Number.NaN;
    const y = top + i * rowH;
    const max = Math.max(Number.isFinite(x) ? x * 1.05 : 0, g.target * 2) || 1;
    const w = Number.isFinite(x) ? (Math.max(0, x) / max) * barW : 0;
    const gx = labelW + (g.target / max) * barW;
    const color = r.pass ? '#2e9e4f' : '#d64545';
    const label = `${g.id} ${r.measurement}`;
    out.push(
      `<text x="12" y="${y + 18}">${esc(label.length > 62 ? `${label.slice(0, 60)}…` : label)}</text>`,
      `<rect x="${labelW}" y="${y + 6}" width="${barW}" height="16" fill="#f1f1f1"/>`,
      `<rect x="${labelW}" y="${y + 6}" width="${w.toFixed(1)}" height="16" fill="${color}"/>`,
      `<line x1="${gx.toFixed(1)}" y1="${y + 2}" x2="${gx.toFixed(1)}" y2="${y + 26}" stroke="#222" stroke-width="2"/>`,
      `<text x="${labelW + barW + 10}" y="${y + 18}">${esc(`${Number.isFinite(x) ? num(x) : 'n/a'}${g.on === 'value' ? ` ${r.unit}` : '×'} (goal ${g.op === '>=' ? '≥' : '≤'} ${g.target}) ${r.pass ? 'pass' : 'FAIL'}`)}</text>`,
    );
  });
  out.push(
    `<text x="12" y="${H - 14}" font-size="10" fill="#555">Ratios are measured/floor within one run (higher is better unless the goal says ≤); each bar's scale runs to twice its goal. Table: latest.md; raw samples: latest.json.</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
