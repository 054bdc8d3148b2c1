/**
 * The timeout-dilemma picture: detection time (log scale) against false
 * suspicions per hour, one line per detector family over its swept knob,
 * the scenario's own configurations ringed and named. A self-contained SVG
 * (no scripts, fonts or external references), byte-identical for a seed.
 */
import type { DetectorResult } from './timeout-dilemma.js';

/** Series of the sweep, as the legend names them and in the order it lists them. */
export const SWEEP_SERIES = ['fixed timeout', 'φ, 3 s pause allowance', 'φ, no pause allowance', 'k × p99 of gaps', 'RFC 6298 on gaps'] as const;
export type SweepSeries = (typeof SWEEP_SERIES)[number];

export interface TradeOffPlot {
  readonly title: string;
  readonly subtitle: string;
  /** The sweep. */
  readonly points: readonly DetectorResult[];
  /** The configurations the scenario reports, labelled on the plot. */
  readonly highlighted: readonly DetectorResult[];
  readonly detectionBudgetMs: number;
  /** One or two sentences under the plot. */
  readonly caption: readonly string[];
}

const WIDTH = 900;
const HEIGHT = 600;
const MARGIN = { left: 78, right: 250, top: 72, bottom: 110 } as const;
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
/** y axis: detection time, log scale, seconds. */
const Y_MIN_S = 0.5;
const Y_MAX_S = 40;
const Y_TICKS_S = [0.5, 1, 2, 5, 10, 20, 40];

const COLORS: Record<SweepSeries, string> = {
  'fixed timeout': '#c0392b',
  'φ, 3 s pause allowance': '#1f6fb2',
  'φ, no pause allowance': '#7fb3e0',
  'k × p99 of gaps': '#2e8b57',
  'RFC 6298 on gaps': '#8e6c00',
};
const MARKERS: Record<SweepSeries, 'circle' | 'square' | 'diamond' | 'triangle'> = {
  'fixed timeout': 'circle',
  'φ, 3 s pause allowance': 'square',
  'φ, no pause allowance': 'triangle',
  'k × p99 of gaps': 'diamond',
  'RFC 6298 on gaps': 'circle',
};

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function num(x: number): string {
  return (Math.round(x * 10) / 10).toFixed(1);
}

/** A round upper bound for the x axis and its tick step. */
function xAxis(maxPerHour: number): { max: number; step: number } {
  const target = Math.max(10, maxPerHour * 1.08);
  for (const step of [2, 5, 10, 20, 25, 50, 100, 200, 250, 500]) {
    if (target / step <= 8) return { max: Math.ceil(target / step) * step, step };
  }
  const step = 10 ** Math.ceil(Math.log10(target / 8));
  return { max: Math.ceil(target / step) * step, step };
}

function marker(shape: 'circle' | 'square' | 'diamond' | 'triangle', x: number, y: number, r: number, color: string, extra = ''): string {
  const fill = `fill="${color}" stroke="#ffffff" stroke-width="1"${extra}`;
  switch (shape) {
    case 'circle':
      return `<circle cx="${num(x)}" cy="${num(y)}" r="${num(r)}" ${fill}/>`;
    case 'square':
      return `<rect x="${num(x - r)}" y="${num(y - r)}" width="${num(2 * r)}" height="${num(2 * r)}" ${fill}/>`;
    case 'diamond':
      return `<path d="M${num(x)} ${num(y - r * 1.3)}L${num(x + r * 1.3)} ${num(y)}L${num(x)} ${num(y + r * 1.3)}L${num(x - r * 1.3)} ${num(y)}Z" ${fill}/>`;
    case 'triangle':
      return `<path d="M${num(x)} ${num(y - r * 1.3)}L${num(x + r * 1.2)} ${num(y + r)}L${num(x - r * 1.2)} ${num(y + r)}Z" ${fill}/>`;
  }
}

export function renderTradeOffSvg(plot: TradeOffPlot): string {
  const finite = plot.points.filter((p) => Number.isFinite(p.detectionMs));
  const { max: xMax, step: xStep } = xAxis(Math.max(0, ...finite.map((p) => p.falseSuspicionsPerHour), ...plot.highlighted.map((p) => p.falseSuspicionsPerHour)));
  const sx = (perHour: number): number => MARGIN.left + (perHour / xMax) * PLOT_W;
  // Many configurations have no false suspicion at all: spread those sideways, one column per series, so none hides another.
  const dodge = (p: DetectorResult): number => sx(p.falseSuspicionsPerHour) + (p.falseSuspicions === 0 ? 5 + 7 * SWEEP_SERIES.indexOf(p.series) : 0);
  const sy = (ms: number): number => {
    const s = Math.min(Y_MAX_S, Math.max(Y_MIN_S, ms / 1000));
    return MARGIN.top + PLOT_H * (1 - Math.log(s / Y_MIN_S) / Math.log(Y_MAX_S / Y_MIN_S));
  };
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif">`);
  out.push(`<title>${esc(plot.title)}</title>`);
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  out.push(`<text x="${MARGIN.left}" y="28" font-size="17" font-weight="bold" fill="#222">${esc(plot.title)}</text>`);
  out.push(`<text x="${MARGIN.left}" y="50" font-size="12" fill="#555">${esc(plot.subtitle)}</text>`);

  // The region where a crash goes unnoticed too long.
  const budgetY = sy(plot.detectionBudgetMs);
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_W}" height="${num(budgetY - MARGIN.top)}" fill="#fdecea"/>`);
  out.push(
    `<text x="${num(MARGIN.left + PLOT_W - 6)}" y="${num(MARGIN.top + 16)}" font-size="11" fill="#a33" text-anchor="end">crash unnoticed for over ${plot.detectionBudgetMs / 1000} s: users wait</text>`,
  );
  out.push(`<text x="${num(MARGIN.left + 6)}" y="${num(MARGIN.top + PLOT_H - 8)}" font-size="11" fill="#666">better: fast and no false alarm ↙</text>`);

  // Grid and axes.
  for (const s of Y_TICKS_S) {
    const y = sy(s * 1000);
    out.push(`<line x1="${MARGIN.left}" y1="${num(y)}" x2="${MARGIN.left + PLOT_W}" y2="${num(y)}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${MARGIN.left - 8}" y="${num(y + 4)}" font-size="11" fill="#444" text-anchor="end">${s} s</text>`);
  }
  for (let v = 0; v <= xMax; v += xStep) {
    const x = sx(v);
    out.push(`<line x1="${num(x)}" y1="${MARGIN.top}" x2="${num(x)}" y2="${MARGIN.top + PLOT_H}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${num(x)}" y="${MARGIN.top + PLOT_H + 18}" font-size="11" fill="#444" text-anchor="middle">${v}</text>`);
  }
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="#888"/>`);
  out.push(
    `<text x="${num(MARGIN.left + PLOT_W / 2)}" y="${MARGIN.top + PLOT_H + 40}" font-size="13" fill="#222" text-anchor="middle">false suspicions per hour (a live peer declared dead)</text>`,
  );
  out.push(
    `<text transform="translate(20 ${num(MARGIN.top + PLOT_H / 2)}) rotate(-90)" font-size="13" fill="#222" text-anchor="middle">time to detect the crash (log scale)</text>`,
  );

  // One polyline per series, in knob order, then its markers.
  const series = [...new Set(finite.map((p) => p.series))];
  for (const name of series) {
    const pts = finite.filter((p) => p.series === name).sort((a, b) => a.parameter - b.parameter);
    const color = COLORS[name];
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" stroke-opacity="0.8" points="${pts.map((p) => `${num(dodge(p))},${num(sy(p.detectionMs))}`).join(' ')}"/>`);
    for (const p of pts) out.push(marker(MARKERS[name], dodge(p), sy(p.detectionMs), 4, color, ` fill-opacity="0.9"`));
  }

  // The scenario's configurations: ringed and named in a column on the right, with leader lines.
  const labelled = plot.highlighted.filter((p) => Number.isFinite(p.detectionMs)).sort((a, b) => a.detectionMs - b.detectionMs);
  const labelX = MARGIN.left + PLOT_W + 18;
  const gap = PLOT_H / Math.max(1, labelled.length);
  labelled.forEach((p, i) => {
    const x = dodge(p);
    const y = sy(p.detectionMs);
    const ly = MARGIN.top + PLOT_H - gap * (i + 0.5);
    const color = COLORS[p.series];
    out.push(marker(MARKERS[p.series], x, y, 4, color));
    out.push(`<circle cx="${num(x)}" cy="${num(y)}" r="9" fill="none" stroke="#222" stroke-width="1.5"/>`);
    out.push(`<line x1="${num(x + 9)}" y1="${num(y)}" x2="${labelX - 4}" y2="${num(ly)}" stroke="#999" stroke-dasharray="3 3"/>`);
    out.push(`<text x="${labelX}" y="${num(ly - 2)}" font-size="12" font-weight="bold" fill="${color}">${esc(p.label)}</text>`);
    const detect = `${(p.detectionMs / 1000).toFixed(1)} s to detect`;
    out.push(`<text x="${labelX}" y="${num(ly + 13)}" font-size="11" fill="#444">${p.falseSuspicions} false, ${esc(detect)}</text>`);
  });

  // Legend under the plot.
  const legendY = MARGIN.top + PLOT_H + 64;
  let legendX = MARGIN.left;
  SWEEP_SERIES.filter((name) => series.includes(name)).forEach((name) => {
    const x = legendX;
    legendX += 44 + 6.4 * name.length;
    out.push(`<line x1="${x}" y1="${legendY}" x2="${x + 22}" y2="${legendY}" stroke="${COLORS[name]}" stroke-width="2"/>`);
    out.push(marker(MARKERS[name], x + 11, legendY, 4, COLORS[name]));
    out.push(`<text x="${x + 28}" y="${legendY + 4}" font-size="11" fill="#222">${esc(name)}</text>`);
  });
  plot.caption.forEach((line, i) => {
    out.push(`<text x="${MARGIN.left}" y="${legendY + 24 + i * 15}" font-size="11" fill="#555">${esc(line)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
