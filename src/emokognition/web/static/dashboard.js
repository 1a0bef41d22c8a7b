// The dashboard's mood-over-time chart, from the JSON the page carries.
"use strict";

(function () {
  const source = document.getElementById("mood-data");
  const element = document.getElementById("mood-chart");
  if (!source || !element || !window.uPlot) return;
  const data = JSON.parse(source.textContent);
  window.emoCharts.lineChart(element, data.x, data.series, {
    time: true,
    days: data.bucket === "day",
    hours: data.bucket === "hour",
    counts: true,
    xRange: data.range,
    height: 260,
  });
})();
