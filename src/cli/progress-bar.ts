/** `[########............]  40% 1200/3000 records, 250 records/s, ETA 7 s` */
export function progressBar(done: number, total: number, extra = '', width = 24): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(ratio * width);
  const pct = `${Math.floor(ratio * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct} ${done}/${total}${extra ? ` ${extra}` : ''}`;
}
