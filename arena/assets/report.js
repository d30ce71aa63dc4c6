// The game viewer of `arena report --html`: no network, no library; data from #games-data.
(function () {
  "use strict";
  const games = JSON.parse(document.getElementById("games-data").textContent);
  const $ = (id) => document.getElementById(id);
  const at = { game: 0, frame: 0, viewer: -1 };  // viewer -1: everything revealed

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function fillGames() {
    games.forEach((g, i) => {
      const opt = el("option", g.id + " — " + g.agents.join(" vs "));
      opt.value = String(i);
      $("game").appendChild(opt);
    });
  }

  function fillViewers() {
    const g = games[at.game];
    const select = $("viewer");
    select.textContent = "";
    const all = el("option", "everyone (revealed)");
    all.value = "-1";
    select.appendChild(all);
    g.agents.forEach((a, s) => {
      const opt = el("option", "seat " + s + " (" + a + ")");
      opt.value = String(s);
      select.appendChild(opt);
    });
    if (at.viewer >= g.agents.length) at.viewer = -1;
    select.value = String(at.viewer);
  }

  function showProbs(g) {
    const box = $("probs");
    box.textContent = "";
    if (at.frame === 0) {
      $("move").textContent = "Start of the game.";
      return;
    }
    const step = g.steps[at.frame - 1];
    $("move").textContent = step.t;
    if (step.p < 0) return;
    if (at.viewer >= 0 && at.viewer !== step.p) {
      box.appendChild(el("p", "Move probabilities of seat " + step.p +
        " are hidden in this seat's view (they depend on its hand).", "note"));
      return;
    }
    if (!step.q) {
      const why = g.notes[String(step.p)] || "no move probabilities";
      box.appendChild(el("p", why, "note"));
      return;
    }
    const table = el("table");
    step.q.forEach(([move, p, played]) => {
      const row = el("tr", undefined, played ? "played" : "");
      row.appendChild(el("td", (played ? "▶ " : "") + move));
      row.appendChild(el("td", (100 * p).toFixed(1) + "%"));
      const cell = el("td", undefined, "p");
      const bar = el("span", undefined, "pbar");
      bar.style.width = Math.max(1, Math.round(100 * p)) + "%";
      cell.appendChild(bar);
      row.appendChild(cell);
      table.appendChild(row);
    });
    box.appendChild(table);
    if (step.r) {
      const left = step.r + " other legal moves, " + (100 * step.rp).toFixed(1) + "% together";
      box.appendChild(el("p", left, "note"));
    }
  }

  function showLog(g) {
    const log = $("log");
    log.textContent = "";
    g.steps.forEach((s, i) => {
      if (i < at.frame) log.appendChild(el("li", s.t, i === at.frame - 1 ? "current" : ""));
    });
    if (at.frame === g.steps.length) log.appendChild(el("li", "end: " + g.end, "current"));
    log.scrollTop = log.scrollHeight;
  }

  function render() {
    const g = games[at.game];
    const v = at.viewer < 0 ? g.agents.length : at.viewer;
    const lines = g.frames[at.frame][v].map((i) => g.lines[i]);
    $("board").textContent = lines.join("\n");
    $("frame").textContent = "step " + at.frame + " / " + g.steps.length;
    showProbs(g);
    showLog(g);
  }

  function go(frame) {
    const n = games[at.game].steps.length;
    at.frame = Math.max(0, Math.min(n, frame));
    render();
  }

  if (!games.length) return;
  fillGames();
  fillViewers();
  $("game").addEventListener("change", (e) => {
    at.game = Number(e.target.value);
    at.frame = 0;
    fillViewers();
    render();
  });
  $("viewer").addEventListener("change", (e) => {
    at.viewer = Number(e.target.value);
    render();
  });
  $("first").addEventListener("click", () => go(0));
  $("prev").addEventListener("click", () => go(at.frame - 1));
  $("next").addEventListener("click", () => go(at.frame + 1));
  $("last").addEventListener("click", () => go(Infinity));
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "SELECT") return;
    if (e.key === "ArrowRight") go(at.frame + 1);
    else if (e.key === "ArrowLeft") go(at.frame - 1);
    else if (e.key === "Home") go(0);
    else if (e.key === "End") go(Infinity);
    else if (e.key === "v") {
      const n = games[at.game].agents.length;
      at.viewer = at.viewer + 1 >= n ? -1 : at.viewer + 1;
      $("viewer").value = String(at.viewer);
      render();
    }
  });
  render();
})();
