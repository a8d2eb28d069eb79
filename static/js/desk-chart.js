// The desk dashboard's chart: tickets opened and closed per day.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var canvas = document.getElementById("per-day-chart");
  var source = document.getElementById("per-day-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels.map(function (day) { return day.slice(5); }),
      datasets: [
        { label: canvas.dataset.opened, data: data.opened, backgroundColor: "#0d6efd" },
        { label: canvas.dataset.closed, data: data.closed, backgroundColor: "#6c757d" }
      ]
    },
    options: { responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
});
