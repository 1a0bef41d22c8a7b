// Line charts over uPlot (vendored): one line per emotion, colours from the CSS variables.
"use strict";

window.emoCharts = (function () {
  const EMOTIONS = ["angry", "disgusted", "fearful", "happy", "sad", "surprised", "neutral"];

  function color(emotion) {
    const value = getComputedStyle(document.documentElement).getPropertyValue("--" + emotion);
    return value.trim() || "#888";
  }

  function widthOf(element) {
    return Math.max(240, Math.floor(element.getBoundingClientRect().width));
  }

  // x: numbers (Unix seconds when options.time); byEmotion: {emotion: [y per x]}.
  function lineChart(element, x, byEmotion, options) {
    const height = options.height || 240;
    const series = [{ label: options.time ? "time" : "seconds" }].concat(
      EMOTIONS.map((emotion) => ({
        label: emotion,
        stroke: color(emotion),
        width: 2,
        points: { show: x.length < 40 },
        value: options.yFormat || ((u, v) => (v == null ? "–" : v)),
      }))
    );
    const scales = { x: { time: !!options.time } };
    if (options.xRange) scales.x.range = () => options.xRange;
    if (options.yRange) scales.y = { range: () => options.yRange };
    const config = {
      width: widthOf(element),
      height: height,
      series: series,
      scales: scales,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { stroke: "currentColor", grid: { stroke: "rgba(128,128,128,.2)" } },
        { stroke: "currentColor", grid: { stroke: "rgba(128,128,128,.2)" }, size: 44 },
      ],
    };
    if (options.time) {
      // The buckets are UTC hours or days: label them in UTC, not in the reader's zone.
      config.tzDate = (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC");
    }
    if (options.days) {
      // Whole days: no "12am" ticks.
      const day = uPlot.fmtDate("{MMM} {D}");
      config.axes[0].incrs = [1, 2, 7, 14, 30, 91, 182, 365].map((n) => n * 86400);
      config.axes[0].values = (u, ticks) => ticks.map((ts) => day(config.tzDate(ts)));
    }
    if (options.hours) {
      // Hours on a 24-hour clock, and the day at each midnight.
      const hour = uPlot.fmtDate("{HH}:{mm}");
      const day = uPlot.fmtDate("{MMM} {D}");
      config.axes[0].incrs = [1, 2, 3, 6, 12, 24].map((n) => n * 3600);
      config.axes[0].values = (u, ticks) =>
        ticks.map((ts) => {
          const date = config.tzDate(ts);
          return date.getHours() === 0 ? day(date) : hour(date);
        });
    }
    if (options.counts) {
      // Faces are counted: whole numbers on the y axis, from 0.
      config.axes[1].incrs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 1e5, 1e6];
      config.scales.y = { range: (u, min, max) => [0, Math.max(1, max)] };
    }
    const data = [x].concat(EMOTIONS.map((emotion) => byEmotion[emotion] || []));
    const chart = new uPlot(config, data, element);
    new ResizeObserver(() => chart.setSize({ width: widthOf(element), height: height })).observe(
      element
    );
    return chart;
  }

  return { EMOTIONS: EMOTIONS, lineChart: lineChart };
})();
