// The plots of a run, second by second: latency (p50, p95, p99 as polylines, the objectives as
// dashed lines) and, for the ramp, what was offered and what became of it. Plain SVG, written by
// hand: a few lines and two axes need no plotting library.
import type { SecondResult } from './evaluate.ts';
import type { RampSecond } from './ramp-evaluate.ts';

const WIDTH = 800;
const HEIGHT = 360;
const MARGIN = { top: 30, right: 110, bottom: 40, left: 60 };

export interface Threshold {
  label: string;
  ms: number;
}

/** A vertical mark at a second, e.g. where a ramp step starts. */
export interface Mark {
  second: number;
  label: string;
}

interface Series<T> {
  key: keyof T & string;
  label: string;
  color: string;
}

interface Chart<T extends { second: number }> {
  title: string;
  yLabel: string;
  points: T[];
  series: Series<T>[];
  /** Horizontal dashed lines, shown only when near the data (else named under the axis). */
  thresholds?: Threshold[];
  marks?: Mark[];
}

const LATENCY: Series<LatencySecond>[] = [
  { key: 'p50_ms', label: 'p50', color: '#2b8a3e' },
  { key: 'p95_ms', label: 'p95', color: '#e67700' },
  { key: 'p99_ms', label: 'p99', color: '#c92a2a' },
];

const RATES: Series<RampSecond>[] = [
  { key: 'offered', label: 'offered', color: '#495057' },
  { key: 'accepted', label: 'accepted', color: '#2b8a3e' },
  { key: 'shed', label: 'shed', color: '#e67700' },
  { key: 'errors', label: 'errors', color: '#c92a2a' },
];

type LatencySecond = Pick<SecondResult, 'second' | 'p50_ms' | 'p95_ms' | 'p99_ms'>;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** 1, 2 or 5 times a power of ten: round tick steps. */
function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? raw;
}

function lineChart<T extends { second: number }>(chart: Chart<T>): string {
  const { points, series } = chart;
  const thresholds = chart.thresholds ?? [];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const lastSecond = Math.max(1, points.length - 1);
  const value = (point: T, key: keyof T) => point[key] as number;
  // The objectives are usually far above the measured values: show both only when they are close,
  // otherwise the lines would be flattened against the axis.
  const measuredMax = Math.max(1, ...points.flatMap((p) => series.map((s) => value(p, s.key))));
  const shown = thresholds.filter((t) => t.ms <= measuredMax * 3);
  const yMax = Math.max(measuredMax, ...shown.map((t) => t.ms)) * 1.1;
  const x = (second: number) => MARGIN.left + (second / lastSecond) * plotW;
  const y = (v: number) => MARGIN.top + plotH - (Math.min(v, yMax) / yMax) * plotH;
  const px = (n: number) => n.toFixed(1);

  const yStep = niceStep(yMax, 5);
  const yTicks = Array.from({ length: Math.floor(yMax / yStep) + 1 }, (_, i) => i * yStep);
  const xStep = Math.max(1, niceStep(lastSecond, 8));
  const xTicks = Array.from({ length: Math.floor(lastSecond / xStep) + 1 }, (_, i) => i * xStep);

  const lines = series.map(({ key, label, color }, i) => {
    const polyline = points.map((p) => `${px(x(p.second))},${px(y(value(p, key)))}`).join(' ');
    const legendY = MARGIN.top + 10 + i * 18;
    return [
      `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${polyline}"/>`,
      `<line x1="${WIDTH - MARGIN.right + 10}" y1="${legendY}" x2="${WIDTH - MARGIN.right + 30}" y2="${legendY}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${WIDTH - MARGIN.right + 35}" y="${legendY + 4}">${label}</text>`,
    ].join('\n');
  });
  const limits = shown.map(
    (t) =>
      `<line x1="${MARGIN.left}" y1="${px(y(t.ms))}" x2="${WIDTH - MARGIN.right}" y2="${px(y(t.ms))}" stroke="#495057" stroke-dasharray="6 4"/>\n` +
      `<text x="${WIDTH - MARGIN.right + 10}" y="${px(y(t.ms) + 4)}">${escape(t.label)}</text>`,
  );
  const marks = (chart.marks ?? []).map(
    (m) =>
      `<line x1="${px(x(m.second))}" y1="${MARGIN.top}" x2="${px(x(m.second))}" y2="${MARGIN.top + plotH}" stroke="#adb5bd" stroke-dasharray="2 3"/>\n` +
      `<text x="${px(x(m.second) + 3)}" y="${MARGIN.top + 10}" fill="#868e96">${escape(m.label)}</text>`,
  );
  const hidden = thresholds.filter((t) => !shown.includes(t)).map((t) => `${t.label} (off the scale)`);
  const axes = [
    `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${WIDTH - MARGIN.right}" y2="${MARGIN.top + plotH}" stroke="#868e96"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}" stroke="#868e96"/>`,
    ...yTicks.map((v) => `<text x="${MARGIN.left - 6}" y="${px(y(v) + 4)}" text-anchor="end">${+v.toPrecision(3)}</text>`),
    ...xTicks.map((s) => `<text x="${px(x(s))}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${s}</text>`),
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 6}" text-anchor="middle">seconds${hidden.length > 0 ? ` · objectives ${escape(hidden.join(', '))}` : ''}</text>`,
    `<text x="14" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${MARGIN.top + plotH / 2})">${escape(chart.yLabel)}</text>`,
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="18" font-size="13">${escape(chart.title)}</text>`,
    ...axes,
    ...marks,
    ...limits,
    ...lines,
    '</svg>',
    '',
  ].join('\n');
}

export function latencySvg(seconds: LatencySecond[], thresholds: Threshold[], title: string, marks: Mark[] = []): string {
  return lineChart({ title, yLabel: 'latency, ms', points: seconds, series: LATENCY, thresholds, marks });
}

/** Requests per second offered to the ramp, and accepted, shed or failed. */
export function ratesSvg(seconds: RampSecond[], title: string, marks: Mark[]): string {
  return lineChart({ title, yLabel: 'requests per second', points: seconds, series: RATES, marks });
}
