// The geometry and words of a computer's 30-day backup chart, drawn as SVG by
// views/partials/backupChart.ejs: a bar per day sized by the data backed up, a mark on each day
// without a backup, and the same figures as a sentence (the text alternative) and a table.
import type { BackupDay } from '../../models/backupHistory.ts';
import * as format from './format.ts';

export const CHART = { width: 600, height: 150, top: 10, bottom: 24, slot: 20, bar: 14 };

export interface ChartBar {
  day: string;
  label: string; // "3 December 2026"
  backups: number;
  bytes: number;
  size: string; // "1.5 GB"
  x: number;
  y: number;
  height: number;
}

export interface BackupChart {
  id: string;
  title: string;
  summary: string; // the text alternative
  scale: string; // the top of the scale, in human units
  bars: ChartBar[];
  baseline: number;
  firstLabel: string;
  lastLabel: string;
}

export function backupChart(id: string, computerName: string, days: BackupDay[]): BackupChart {
  const max = Math.max(0, ...days.map((d) => d.bytes));
  const plot = CHART.height - CHART.top - CHART.bottom;
  const baseline = CHART.top + plot;
  const bars = days.map((d, i) => {
    // Every backed-up day shows, however small next to the biggest.
    const height = d.backups === 0 ? 0 : Math.max(2, Math.round((max > 0 ? d.bytes / max : 0) * plot));
    return {
      day: d.day,
      label: format.date(d.day),
      backups: d.backups,
      bytes: d.bytes,
      size: format.bytes(d.bytes),
      x: i * CHART.slot + (CHART.slot - CHART.bar) / 2,
      y: baseline - height,
      height,
    };
  });
  const missed = bars.filter((b) => b.backups === 0);
  const backedUp = bars.length - missed.length;
  let summary = `Backed up on ${backedUp} of the last ${bars.length} days`;
  if (backedUp > 0) summary += `, up to ${format.bytes(max)} a day`;
  if (missed.length > 0 && backedUp > 0) {
    summary += `. No backup on ${missed.length <= 5 ? missed.map((b) => b.label).join(', ') : format.count(missed.length, 'day')}`;
  }
  return {
    id,
    title: `Backups of ${computerName}, last ${bars.length} days`,
    summary: `${summary}.`,
    scale: format.bytes(max),
    bars,
    baseline,
    firstLabel: bars[0]?.label ?? '',
    lastLabel: bars.at(-1)?.label ?? '',
  };
}
