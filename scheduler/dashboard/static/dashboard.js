// The countdowns: each [data-closes] element shows the time left until its ISO instant,
// counted on the server's clock (body[data-now] is the server's time when it sent the page,
// so a phone whose clock is off still counts right). Keep the format in step with
// view.countdown in Python, which writes the first value.
"use strict";

(function () {
  const body = document.body;
  const skew = Date.parse(body.dataset.now) - Date.now();
  const dayUnit = body.dataset.dayUnit;
  const closed = body.dataset.closed;
  const HOUR = 3600 * 1000;

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function format(ms) {
    if (ms <= 0) {
      return closed;
    }
    // Whole seconds, rounded up: "0:01" until the very end, never "0:00" before it.
    let s = Math.ceil(ms / 1000);
    const d = Math.floor(s / 86400);
    s -= d * 86400;
    const h = Math.floor(s / 3600);
    s -= h * 3600;
    const m = Math.floor(s / 60);
    s -= m * 60;
    if (d) {
      return `${d}${dayUnit} ${pad(h)}:${pad(m)}:${pad(s)}`;
    }
    if (h) {
      return `${h}:${pad(m)}:${pad(s)}`;
    }
    return `${m}:${pad(s)}`;
  }

  function tick() {
    const now = Date.now() + skew;
    for (const el of document.querySelectorAll("[data-closes]")) {
      const left = Date.parse(el.dataset.closes) - now;
      el.textContent = format(left);
      el.classList.toggle("soon", left > 0 && left < HOUR);
      el.classList.toggle("over", left <= 0);
    }
  }

  tick();
  setInterval(tick, 1000);
  // Fresh facts from the database every few minutes; the countdowns tick in between.
  setTimeout(() => location.reload(), 5 * 60 * 1000);
})();
