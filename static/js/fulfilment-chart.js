// The award page's trend: purchases per month (bars) and cumulative completion against
// the time progress at each month's end (lines). Numbers arrive as strings and become numbers only to be drawn;
// the tables beside the chart carry the exact values.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("fulfilment-chart-data");
  const canvas = document.getElementById("fulfilment-trend-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const percent = (text) => (text === null ? null : Number(text) * 100);
  new Chart(canvas, {
    data: {
      labels: data.months.map((m) => m.label),
      datasets: [
        {
          type: "bar",
          label: data.labels.purchased,
          data: data.months.map((m) => m.purchased),
          backgroundColor: "#9db9e8",
          yAxisID: "quantity",
        },
        {
          type: "line",
          label: data.labels.completion,
          data: data.months.map((m) => percent(m.completion)),
          borderColor: "#1f5fbf",
          backgroundColor: "#1f5fbf",
          yAxisID: "rate",
        },
        {
          type: "line",
          label: data.labels.progress,
          data: data.months.map((m) => percent(m.progress)),
          borderColor: "#b3261e",
          borderDash: [6, 4],
          pointRadius: 0,
          yAxisID: "rate",
        },
      ],
    },
    options: {
      responsive: true,
      aspectRatio: window.innerWidth < 720 ? 1.4 : 3,
      scales: {
        quantity: { position: "left", beginAtZero: true },
        rate: { position: "right", beginAtZero: true, ticks: { callback: (v) => `${v} %` } },
      },
    },
  });
});
