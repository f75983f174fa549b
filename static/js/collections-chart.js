// The collections page's two charts: monthly collection rate against the target line,
// and expected cash per forecast week. Data comes from the page's JSON block; numbers
// arrive as decimal strings (money is never a float on the server) and become numbers
// here only to be drawn. The tables beside the charts carry the exact values.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("collections-chart-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const number = (text) => (text === null ? null : Number(text));
  // Wide and low on a desk, taller on a phone so the bars stay readable.
  const aspectRatio = window.innerWidth < 720 ? 1.4 : 3;

  const rateCanvas = document.getElementById("collections-rate-chart");
  if (rateCanvas) {
    const target = number(data.target);
    new Chart(rateCanvas, {
      type: "line",
      data: {
        labels: data.months.map((m) => m.label),
        datasets: [
          {
            label: data.labels.rate,
            data: data.months.map((m) => number(m.rate)),
            borderColor: "#1f5fbf",
            backgroundColor: "#1f5fbf",
            spanGaps: false,
          },
          {
            label: data.labels.target,
            data: data.months.map(() => target),
            borderColor: "#b3261e",
            borderDash: [6, 4],
            pointRadius: 0,
          },
        ],
      },
      options: {
        responsive: true,
        aspectRatio,
        scales: { y: { beginAtZero: true, ticks: { callback: (value) => `${value} %` } } },
        plugins: {
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${item.formattedValue} %` } },
        },
      },
    });
  }

  const forecastCanvas = document.getElementById("collections-forecast-chart");
  if (forecastCanvas) {
    new Chart(forecastCanvas, {
      type: "bar",
      data: {
        labels: data.weeks.map((w) => w.label),
        datasets: [
          {
            label: data.labels.expected,
            data: data.weeks.map((w) => number(w.amount)),
            backgroundColor: "#1e7a3c",
          },
        ],
      },
      options: { responsive: true, aspectRatio, scales: { y: { beginAtZero: true } } },
    });
  }
});
