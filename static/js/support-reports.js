// The support reports' charts: backlog, median times per month, channels.
// Data from json_script blocks, labels from the canvases' data attributes (CSP: no inline script).
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  if (typeof Chart === "undefined") return;

  function dataFor(name) {
    var canvas = document.getElementById(name + "-chart");
    var source = document.getElementById(name + "-chart-data");
    if (!canvas || !source) return null;
    return { canvas: canvas, data: JSON.parse(source.textContent) };
  }

  var backlog = dataFor("backlog");
  if (backlog) {
    new Chart(backlog.canvas, {
      type: "line",
      data: {
        labels: backlog.data.labels,
        datasets: [{ label: backlog.canvas.dataset.label, data: backlog.data.values, borderColor: "#0d6efd", tension: 0.2 }]
      },
      options: { responsive: true, scales: { y: { beginAtZero: true } } }
    });
  }

  var months = dataFor("months");
  if (months) {
    new Chart(months.canvas, {
      type: "bar",
      data: {
        labels: months.data.labels,
        datasets: [
          { label: months.canvas.dataset.first, data: months.data.first_response, backgroundColor: "#0dcaf0" },
          { label: months.canvas.dataset.resolution, data: months.data.resolution, backgroundColor: "#6f42c1" }
        ]
      },
      options: { responsive: true, scales: { y: { beginAtZero: true } } }
    });
  }

  var channels = dataFor("channels");
  if (channels) {
    new Chart(channels.canvas, {
      type: "bar",
      data: {
        labels: channels.data.labels,
        datasets: [{ label: channels.canvas.dataset.label, data: channels.data.values, backgroundColor: "#198754" }]
      },
      options: { indexAxis: "y", responsive: true, scales: { x: { beginAtZero: true } } }
    });
  }
});
