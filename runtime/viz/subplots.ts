/** Plotly's axis suffix for subplot `i` (0-based): "", "2", "3", ... */
export function axisSuffix(i: number): string {
  return i === 0 ? "" : String(i + 1);
}

/**
 * Layout entries for `count` independent subplots in rows of `columns`:
 * plotly's `grid` plus `xaxis`, `xaxis2`, ... built by `axes(i)`.
 */
export function subplotLayout(
  count: number,
  columns: number,
  axes: (i: number) => { x: Record<string, unknown>; y: Record<string, unknown> },
): Record<string, unknown> {
  const cols = Math.max(1, Math.min(columns, count));
  const layout: Record<string, unknown> = {
    grid: { rows: Math.ceil(count / cols), columns: cols, pattern: "independent" },
  };
  for (let i = 0; i < count; i++) {
    const { x, y } = axes(i);
    layout[`xaxis${axisSuffix(i)}`] = x;
    layout[`yaxis${axisSuffix(i)}`] = y;
  }
  return layout;
}
