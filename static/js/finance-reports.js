// The billing reports' chart: net revenue per month, one series per currency.
// Data from a json_script block (CSP: no inline script).
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var canvas = document.getElementById("revenue-chart");
  var source = document.getElementById("revenue-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var colours = ["#198754", "#0d6efd", "#6f42c1", "#fd7e14"];
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.series.map(function (series, index) {
        return {
          label: series.currency,
          data: series.values.map(Number),
          backgroundColor: colours[index % colours.length]
        };
      })
    },
    options: { responsive: true, scales: { y: { beginAtZero: true } } }
  });
});
