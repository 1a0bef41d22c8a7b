// A live stream's page: follows the stream's Server-Sent Events and updates the timeline,
// the current mood, the people on screen and the counters in place (no reload).
"use strict";

(function () {
  const root = document.getElementById("stream");
  if (!root || !window.EventSource) return;
  const state = JSON.parse(document.getElementById("stream-state").textContent);
  const EMOTIONS = window.emoCharts ? window.emoCharts.EMOTIONS : [];

  function text(id, value) {
    const element = document.getElementById(id);
    if (element) element.textContent = value;
  }

  function announce(message) {
    text("announce", message);
  }

  // The timeline: one point per window, the mean of each emotion over its faces.
  const chartElement = document.getElementById("timeline-chart");
  const timeline = JSON.parse(document.getElementById("timeline-data").textContent);
  let chart = null;
  function draw() {
    if (!window.emoCharts || !window.uPlot) return;
    const data = [timeline.x].concat(EMOTIONS.map((e) => timeline.series[e]));
    if (chart) {
      chart.setData(data);
    } else if (timeline.x.length) {
      chart = window.emoCharts.lineChart(chartElement, timeline.x, timeline.series, {
        height: 240,
        yRange: [0, 1],
        yFormat: (u, v) => (v == null ? "–" : Math.round(v * 100) + " %"),
      });
    }
    chartElement.dataset.points = String(timeline.x.length);
  }

  function addToTimeline(window_) {
    timeline.x.push(window_.start);
    EMOTIONS.forEach((e) => {
      timeline.series[e].push(window_.emotions ? window_.emotions[e] : null);
    });
    if (timeline.x.length > state.points) {
      timeline.x.shift();
      EMOTIONS.forEach((e) => timeline.series[e].shift());
    }
    draw();
  }

  function showNow(window_) {
    text("now-when", `window ${window_.index}, ${Math.round(window_.start)}–${Math.round(window_.end)} s`);
    const current = document.getElementById("current");
    current.replaceChildren();
    const main = document.createElement("strong");
    main.id = "current-main";
    main.className = "main-emotion";
    if (window_.main) {
      main.textContent = window_.main;
      const alternative = document.createElement("span");
      alternative.id = "current-alternative";
      alternative.textContent = window_.alternative;
      current.append("The audience looks ", main, ", then ", alternative, ".");
    } else {
      current.append(main, "No face in the last window.");
    }
    document.querySelectorAll("#current-shares tr[data-emotion]").forEach((row) => {
      const share = window_.shares ? window_.shares[row.dataset.emotion] : 0;
      row.querySelector(".share").textContent = `${Math.round(share * 100)} %`;
      row.querySelector("rect.fill").setAttribute("width", (share * 100).toFixed(2));
    });
    text("people-now", `${window_.people} ${window_.people === 1 ? "person" : "people"}`);
    const people = document.getElementById("people");
    people.replaceChildren(
      ...window_.tracks.map((track) => {
        const item = document.createElement("li");
        item.dataset.track = track.id;
        const swatch = document.createElement("span");
        swatch.className = `swatch e-${track.main}`;
        swatch.setAttribute("aria-hidden", "true");
        const main_ = document.createElement("strong");
        main_.textContent = track.main;
        const alternative = document.createElement("small");
        alternative.textContent = `then ${track.alternative}`;
        item.append(swatch, `Person ${track.id}: `, main_, " ", alternative);
        return item;
      })
    );
  }

  function addRow(window_) {
    const body = document.querySelector("#windows-table tbody");
    const row = document.createElement("tr");
    row.dataset.index = window_.index;
    const cells = [
      window_.index,
      `${Math.round(window_.start)}–${Math.round(window_.end)}`,
      window_.people,
      window_.main || "–",
      window_.alternative || "–",
    ];
    cells.forEach((value) => {
      const cell = document.createElement("td");
      cell.textContent = String(value);
      row.append(cell);
    });
    body.prepend(row);
    while (body.rows.length > state.table) body.deleteRow(body.rows.length - 1);
  }

  function showStatus(stream) {
    root.dataset.status = stream.status;
    const badge = document.querySelector("#status .status");
    badge.className = `status status-${stream.status}`;
    badge.textContent = stream.status;
    const counts = { "windows-count": stream.windows, "people-count": stream.people };
    Object.entries(counts).forEach(([id, value]) => {
      text(id, String(value));
      document.getElementById(id).dataset.value = String(value);
    });
    text("seconds", `${Math.round(stream.seconds)} s`);
    text("reconnects", String(stream.reconnects));
    text("skipped", String(stream.skipped));
  }

  function showEnd(stream) {
    if (stream.status === "deleted") {
      announce("This stream was deleted.");
      return;
    }
    showStatus(stream);
    const form = document.getElementById("stop-form");
    if (form) form.hidden = true;
    const ended = document.getElementById("ended");
    ended.textContent = stream.error
      ? `The stream failed: ${stream.error.message} (${stream.error.code}).`
      : `This stream is over (${stream.reason || stream.status}).`;
    ended.hidden = false;
    announce(ended.textContent);
  }

  draw();
  if (!["starting", "live", "reconnecting"].includes(state.status)) return;
  const events = new EventSource(state.events);
  events.addEventListener("window", (event) => {
    const window_ = JSON.parse(event.data);
    addToTimeline(window_);
    showNow(window_);
    addRow(window_);
  });
  events.addEventListener("status", (event) => {
    const stream = JSON.parse(event.data);
    if (stream.status !== root.dataset.status) announce(`The stream is ${stream.status}.`);
    showStatus(stream);
  });
  events.addEventListener("end", (event) => {
    events.close(); // over: no reconnection
    showEnd(JSON.parse(event.data));
  });
})();
