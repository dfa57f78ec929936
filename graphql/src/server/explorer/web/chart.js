// Bar charts drawn as inline SVG: no library, nothing fetched. Each bar carries its value
// and sample size as text, and the chart has a title, so a screen reader can read it.

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * bars: [{label, value (0..1 or null), n}]; title: the chart's accessible name.
 * Bars without a sample are drawn as an empty outline labelled "—".
 */
export function rateChart(title, bars) {
  const left = 46;
  const width = Math.max(320, bars.length * 56 + left + 10);
  const height = 200;
  const top = 24;
  const bottom = 44;
  const plot = height - top - bottom;
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    class: "chart",
    "aria-label": title,
  });
  chart.append(svg("title", {}, title));
  chart.append(svg("line", { x1: left - 4, x2: width - 4, y1: top + plot, y2: top + plot, class: "axis" }));
  chart.append(svg("line", { x1: left - 4, x2: width - 4, y1: top, y2: top, class: "grid" }));
  chart.append(svg("text", { x: left - 8, y: top + 4, class: "tick", "text-anchor": "end" }, "100%"));
  chart.append(svg("text", { x: left - 8, y: top + plot + 4, class: "tick", "text-anchor": "end" }, "0"));
  bars.forEach((bar, index) => {
    const x = left + 6 + index * 56;
    const has = bar.value !== null && bar.value !== undefined;
    const barHeight = has ? Math.max(1, bar.value * plot) : plot;
    chart.append(
      svg("rect", {
        x,
        y: top + plot - barHeight,
        width: 40,
        height: barHeight,
        class: has ? "bar" : "bar empty",
      }),
    );
    const valueText = has ? `${Math.round(bar.value * 100)}%` : "—";
    chart.append(svg("text", { x: x + 20, y: top + plot - barHeight - 4, class: "value", "text-anchor": "middle" }, valueText));
    chart.append(svg("text", { x: x + 20, y: top + plot + 16, class: "tick", "text-anchor": "middle" }, bar.label));
    chart.append(svg("text", { x: x + 20, y: top + plot + 32, class: "tick n", "text-anchor": "middle" }, `n=${bar.n}`));
  });
  return chart;
}
