// Prometheus text format (0.0.4) for the large counter families, written directly: prom-client's
// generic formatter copies and escapes every label of every series on each scrape, which with
// 4,096 rules (8,192 series) was most of the scrape's cost. Output is byte-for-byte what
// prom-client writes for the same family.

/** Label values: backslash, double quote and newline escaped (the text format's rule). */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

/** HELP text: backslash and newline escaped. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'Nan'; // as prom-client writes it; Prometheus reads it
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return `${value}`;
}

/** One family: HELP, TYPE, then one line per series (labels in `labelNames` order). */
export function formatFamily<T extends string>(
  name: string,
  help: string,
  type: string,
  labelNames: readonly T[],
  series: { labels: Record<T, string>; value: number }[],
): string {
  const lines = new Array<string>(series.length + 2);
  lines[0] = `# HELP ${name} ${escapeHelp(help)}`;
  lines[1] = `# TYPE ${name} ${type}`;
  for (let i = 0; i < series.length; i++) {
    const s = series[i];
    let labels = '';
    for (let j = 0; j < labelNames.length; j++) {
      labels += `${j === 0 ? '' : ','}${labelNames[j]}="${escapeLabelValue(s.labels[labelNames[j]])}"`;
    }
    lines[i + 2] = labels === '' ? `${name} ${formatValue(s.value)}` : `${name}{${labels}} ${formatValue(s.value)}`;
  }
  return lines.join('\n');
}
