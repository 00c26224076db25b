import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  stroke: string;
  fill?: string;
  /** bars, a step line (the value holds until the next point), or a line with points. */
  style: 'bars' | 'steps' | 'line';
}

/**
 * One uPlot chart (canvas) with a text alternative: role img, its label, and the series
 * count in data-series for the tests. `x` in seconds since the epoch; one array per series.
 */
export function UPlotChart(props: { testId: string; label: string; yLabel: string; x: number[]; series: ChartSeries[]; ys: number[][] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const paths = (s: ChartSeries) => (s.style === 'bars' ? uPlot.paths.bars!({ size: [0.8] }) : s.style === 'steps' ? uPlot.paths.stepped!({ align: 1 }) : undefined);
    const plot = new uPlot(
      {
        width: Math.max(320, Math.min(900, box.current.clientWidth || 800)),
        height: 240,
        series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.stroke, ...(s.fill ? { fill: s.fill } : {}), ...(paths(s) ? { paths: paths(s) } : {}), points: { show: s.style === 'line' } }))],
        axes: [{}, { label: props.yLabel }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      },
      [props.x, ...props.ys],
      box.current,
    );
    return () => plot.destroy();
  }, [props.x, props.ys]);
  return html`<div ref=${box} class="chart" role="img" aria-label=${props.label} data-testid=${props.testId} data-series=${props.series.length}></div>`;
}
