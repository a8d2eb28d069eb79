// The reports page's chart: billable and other hours per agent.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var canvas = document.getElementById("agent-chart");
  var source = document.getElementById("agent-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: canvas.dataset.billable, data: data.billable, backgroundColor: "#198754" },
        { label: canvas.dataset.other, data: data.other, backgroundColor: "#adb5bd" }
      ]
    },
    options: { responsive: true, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }
  });
});
