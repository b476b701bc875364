// The latency-over-time plot: p50, p95 and p99 of each second as polylines, the objectives as
// dashed lines. Plain SVG, written by hand: three lines and two axes need no plotting library.
import type { SecondResult } from './evaluate.ts';

const WIDTH = 800;
const HEIGHT = 360;
const MARGIN = { top: 30, right: 110, bottom: 40, left: 60 };

const SERIES = [
  { key: 'p50_ms', label: 'p50', color: '#2b8a3e' },
  { key: 'p95_ms', label: 'p95', color: '#e67700' },
  { key: 'p99_ms', label: 'p99', color: '#c92a2a' },
] as const;

export interface Threshold {
  label: string;
  ms: number;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** 1, 2 or 5 times a power of ten: round tick steps. */
function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? raw;
}

export function latencySvg(seconds: SecondResult[], thresholds: Threshold[], title: string): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const lastSecond = Math.max(1, seconds.length - 1);
  // The objectives are usually far above the measured values: show both only when they are close,
  // otherwise the lines would be flattened against the axis.
  const measuredMax = Math.max(1, ...seconds.map((s) => s.p99_ms));
  const shown = thresholds.filter((t) => t.ms <= measuredMax * 3);
  const yMax = Math.max(measuredMax, ...shown.map((t) => t.ms)) * 1.1;
  const x = (second: number) => MARGIN.left + (second / lastSecond) * plotW;
  const y = (ms: number) => MARGIN.top + plotH - (Math.min(ms, yMax) / yMax) * plotH;
  const px = (n: number) => n.toFixed(1);

  const yStep = niceStep(yMax, 5);
  const yTicks = Array.from({ length: Math.floor(yMax / yStep) + 1 }, (_, i) => i * yStep);
  const xStep = Math.max(1, niceStep(lastSecond, 8));
  const xTicks = Array.from({ length: Math.floor(lastSecond / xStep) + 1 }, (_, i) => i * xStep);

  const lines = SERIES.map(({ key, label, color }, i) => {
    const points = seconds.map((s) => `${px(x(s.second))},${px(y(s[key]))}`).join(' ');
    const legendY = MARGIN.top + 10 + i * 18;
    return [
      `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points}"/>`,
      `<line x1="${WIDTH - MARGIN.right + 10}" y1="${legendY}" x2="${WIDTH - MARGIN.right + 30}" y2="${legendY}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${WIDTH - MARGIN.right + 35}" y="${legendY + 4}">${label}</text>`,
    ].join('\n');
  });
  const limits = shown.map(
    (t) =>
      `<line x1="${MARGIN.left}" y1="${px(y(t.ms))}" x2="${WIDTH - MARGIN.right}" y2="${px(y(t.ms))}" stroke="#495057" stroke-dasharray="6 4"/>\n` +
      `<text x="${WIDTH - MARGIN.right + 10}" y="${px(y(t.ms) + 4)}">${escape(t.label)}</text>`,
  );
  const hidden = thresholds.filter((t) => !shown.includes(t)).map((t) => `${t.label} (off the scale)`);
  const axes = [
    `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${WIDTH - MARGIN.right}" y2="${MARGIN.top + plotH}" stroke="#868e96"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}" stroke="#868e96"/>`,
    ...yTicks.map((ms) => `<text x="${MARGIN.left - 6}" y="${px(y(ms) + 4)}" text-anchor="end">${+ms.toPrecision(3)}</text>`),
    ...xTicks.map((s) => `<text x="${px(x(s))}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${s}</text>`),
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 6}" text-anchor="middle">seconds${hidden.length > 0 ? ` · objectives ${escape(hidden.join(', '))}` : ''}</text>`,
    `<text x="14" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${MARGIN.top + plotH / 2})">latency, ms</text>`,
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="18" font-size="13">${escape(title)}</text>`,
    ...axes,
    ...limits,
    ...lines,
    '</svg>',
    '',
  ].join('\n');
}
