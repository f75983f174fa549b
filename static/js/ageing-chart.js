// The ageing report's chart: one stacked horizontal bar per row (top rows by total),
// a segment per bucket. Data comes from <script type="application/json" id="ageing-chart-data">
// so the page needs no inline script (a Content-Security-Policy can forbid them).
(function () {
  "use strict";

  // Not due in green, then warmer the older the money.
  const DUE_COLOURS = ["#1e7a3c", "#9ccc65", "#ffd54f", "#ffb74d", "#fb8c00", "#e53935", "#8c1d17"];
  const AGE_COLOURS = ["#1f5fbf", "#ffb74d", "#fb8c00", "#e53935", "#8c1d17"];

  function colours(count, notDue) {
    const palette = notDue ? DUE_COLOURS : AGE_COLOURS;
    const result = [];
    for (let i = 0; i < count; i += 1) {
      // Stretch the palette over however many buckets the limits make.
      const at = count === 1 ? 0 : Math.round((i * (palette.length - 1)) / (count - 1));
      result.push(palette[at]);
    }
    return result;
  }

  function draw() {
    const source = document.getElementById("ageing-chart-data");
    const canvas = document.getElementById("ageing-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") return;
    const data = JSON.parse(source.textContent);
    const box = canvas.parentElement;
    const narrow = window.matchMedia("(max-width: 719px)").matches;
    // Room for every bar and the legend: the chart is as tall as its rows need.
    const legend = narrow ? 110 : 70;
    box.style.height = `${legend + Math.max(3, data.labels.length) * (narrow ? 36 : 30)}px`;
    const palette = colours(data.series.length, data.notDue);
    const locale = document.documentElement.lang || undefined;
    const money = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const compact = new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 1 });
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map((series, i) => ({
          label: series.label,
          data: series.data.map(Number),
          backgroundColor: palette[i],
          borderWidth: 0,
        })),
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: {
            stacked: true,
            ticks: { maxTicksLimit: narrow ? 4 : 8, callback: (value) => compact.format(value) },
          },
          y: {
            stacked: true,
            ticks: {
              autoSkip: false,
              // Long hospital names would squeeze the bars on a phone.
              callback(value) {
                const label = String(this.getLabelForValue(value));
                const most = narrow ? 8 : 24;
                return label.length > most ? `${label.slice(0, most - 1)}…` : label;
              },
            },
          },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: (context) => `${context.dataset.label}: ${money.format(context.parsed.x)}`,
            },
          },
        },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
