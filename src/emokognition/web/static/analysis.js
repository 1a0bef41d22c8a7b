// The analysis page: the audience chart and the track timelines seek the player, "Play from"
// plays from there; while the analysis is queued or running, its status and progress are
// followed in place (the page is fetched again and swapped in, not reloaded).
"use strict";

(function () {
  function seek(player, seconds) {
    if (!Number.isFinite(seconds)) return;
    const end = Number.isFinite(player.duration) ? player.duration : seconds;
    player.currentTime = Math.min(Math.max(0, seconds), end);
  }

  function playFrom(player, seconds) {
    seek(player, seconds);
    const playing = player.play();
    // A browser that refuses to play (no codec, no permission) still shows the frame.
    if (playing) playing.catch(() => {});
  }

  const probability = (u, v) => (v == null ? "–" : Math.round(v * 100) + " %");

  // A chart of probabilities over the video's seconds that seeks the player when clicked.
  function timeline(element, data, xRange, player, playheads) {
    const chart = window.emoCharts.lineChart(element, data.t, data.series, {
      height: 180,
      xRange: xRange,
      yRange: [0, 1],
      yFormat: probability,
    });
    if (player) {
      chart.over.addEventListener("click", (event) => {
        const box = chart.over.getBoundingClientRect();
        seek(player, chart.posToVal(event.clientX - box.left, "x"));
      });
      // Where the video is now, on every chart.
      const playhead = document.createElement("div");
      playhead.className = "playhead";
      chart.over.appendChild(playhead);
      playheads.push([chart, playhead]);
    }
    element.dataset.ready = "true";
    return chart;
  }

  // The share strip spans the chart's plot area, so a second sits under the same second:
  // its figure is padded by the chart's margins (never wider than its column).
  function alignStrip(strip, chart) {
    if (!strip) return;
    const figure = strip.parentElement;
    const place = () => {
      const ratio = window.devicePixelRatio || 1;
      const left = chart.bbox.left / ratio;
      const right = chart.width - left - chart.bbox.width / ratio;
      figure.style.paddingLeft = Math.max(0, left) + "px";
      figure.style.paddingRight = Math.max(0, right) + "px";
    };
    place();
    // After the chart has taken its new size (its own observer), not before.
    new ResizeObserver(() => requestAnimationFrame(place)).observe(figure);
  }

  function initStrip(root, player) {
    const strip = root.querySelector("#audience-strip");
    if (!strip || !player) return;
    strip.addEventListener("click", (event) => {
      const box = strip.getBoundingClientRect();
      const duration = parseFloat(strip.dataset.duration);
      seek(player, ((event.clientX - box.left) / box.width) * duration);
    });
  }

  function initTimelines(root) {
    const player = root.querySelector("#player");
    root.querySelectorAll("button.seek").forEach((button) => {
      button.addEventListener("click", () => {
        if (player) playFrom(player, parseFloat(button.dataset.t));
      });
    });
    initStrip(root, player);
    const meta = root.querySelector("#timeline-data");
    if (!window.emoCharts || !meta) return;
    const duration = JSON.parse(meta.textContent).duration;
    const xRange = duration ? [0, duration] : null;
    const playheads = [];
    const audience = root.querySelector("#audience-chart");
    if (audience) {
      const data = JSON.parse(root.querySelector("#audience-data").textContent);
      const chart = timeline(audience, data, xRange, player, playheads);
      alignStrip(root.querySelector("#audience-strip"), chart);
    }
    root.querySelectorAll("li.track").forEach((item) => {
      const data = JSON.parse(item.querySelector(".track-data").textContent);
      timeline(item.querySelector(".timeline"), data, xRange, player, playheads);
    });
    if (!player) return;
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
        const progress = fresh && fresh.querySelector("#live");
        if (response.ok && progress) live.replaceChildren(...progress.childNodes);
      } catch (error) {
        // The service restarts or the network blinks: keep trying, more slowly.
      }
      delay = Math.min(delay * 1.5, 2000);
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
