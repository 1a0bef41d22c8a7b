// The analysis page: video timelines that seek the player, and live status while the
// analysis is queued or running (the page is fetched again and swapped in, not reloaded).
"use strict";

(function () {
  function seek(player, seconds) {
    if (!Number.isFinite(seconds)) return;
    const end = Number.isFinite(player.duration) ? player.duration : seconds;
    player.currentTime = Math.min(Math.max(0, seconds), end);
  }

  function initTimelines(root) {
    const player = root.querySelector("#player");
    if (!player) return;
    root.querySelectorAll("button.seek").forEach((button) => {
      button.addEventListener("click", () => seek(player, parseFloat(button.dataset.t)));
    });
    if (!window.emoCharts) return;
    const meta = JSON.parse(root.querySelector("#timeline-data").textContent);
    const xRange = meta.duration ? [0, meta.duration] : null;
    const playheads = [];
    root.querySelectorAll("li.track").forEach((item) => {
      const data = JSON.parse(item.querySelector(".track-data").textContent);
      const element = item.querySelector(".timeline");
      const chart = window.emoCharts.lineChart(element, data.t, data.series, {
        height: 180,
        xRange: xRange,
        yRange: [0, 1],
        yFormat: (u, v) => (v == null ? "–" : Math.round(v * 100) + " %"),
      });
      chart.over.addEventListener("click", (event) => {
        const box = chart.over.getBoundingClientRect();
        seek(player, chart.posToVal(event.clientX - box.left, "x"));
      });
      // Where the video is now, on every timeline.
      const playhead = document.createElement("div");
      playhead.className = "playhead";
      chart.over.appendChild(playhead);
      playheads.push([chart, playhead]);
      element.dataset.ready = "true";
    });
    const follow = () => {
      playheads.forEach(([chart, playhead]) => {
        playhead.style.left = chart.valToPos(player.currentTime, "x") + "px";
      });
    };
    player.addEventListener("timeupdate", follow);
    player.addEventListener("seeked", follow);
    follow();
  }

  function poll(root) {
    const live = root.querySelector("#live");
    if (!live) return;
    let delay = 400;
    async function tick() {
      try {
        const response = await fetch(live.dataset.poll, { cache: "no-store" });
        const fresh = new DOMParser()
          .parseFromString(await response.text(), "text/html")
          .getElementById("analysis");
        if (response.ok && fresh && fresh.dataset.status !== root.dataset.status) {
          root.replaceWith(fresh);
          const announce = document.getElementById("announce");
          if (announce) announce.textContent = "The analysis is " + fresh.dataset.status + ".";
          start(fresh);
          return;
        }
      } catch (error) {
        // The service restarts or the network blinks: keep trying, more slowly.
      }
      delay = Math.min(delay * 1.5, 5000);
      setTimeout(tick, delay);
    }
    setTimeout(tick, delay);
  }

  function start(root) {
    initTimelines(root);
    poll(root);
  }

  const root = document.getElementById("analysis");
  if (root) start(root);
})();
