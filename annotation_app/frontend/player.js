// The voting player (a Streamlit component, served from the package: no outside requests).
//
// It shows the clip reserved now in one <video> and keeps the next reserved clip loading in a
// hidden one. On a key 1–7 (or a click on an emotion) it posts the vote to /api/vote; once the
// server answers (the vote is committed) it swaps in the preloaded clip at once and preloads
// the one after. The annotator's own counter and the broken-clip report live here too, so the
// page never waits for a Streamlit rerun. Every text is set as text, never as markup.
//
// In screening mode (data.mode "screen") the same player shows candidates: keys A (accept) and
// R (reject, then 1–n for the reason, Escape to go back) post to /api/screen; the buttons sit
// beside the clip and the counter says how many candidates are left.

const STATE = Symbol("dfew-player");

function makeVideo() {
  const video = document.createElement("video");
  video.muted = true;
  video.loop = true;
  video.playsInline = true;
  video.preload = "auto";
  video.className = "dfew-video";
  return video;
}

function createPlayer(root) {
  // Keep the <div><style> Streamlit puts in the component's element: it holds player.css.
  root.replaceChildren(...[...root.children].filter((child) => child.querySelector("style, link")));
  const stage = document.createElement("div");
  stage.className = "dfew-stage";
  const videos = [makeVideo(), makeVideo()];
  videos[1].hidden = true;
  stage.append(...videos);
  const buttons = document.createElement("div");
  buttons.className = "dfew-buttons";
  const status = document.createElement("p");
  status.className = "dfew-status";
  status.setAttribute("role", "status");
  const counter = document.createElement("p");
  counter.className = "dfew-counter";
  const report = document.createElement("details");
  report.className = "dfew-report";
  const summary = document.createElement("summary");
  summary.textContent = "Report a broken clip";
  const reason = document.createElement("input");
  reason.type = "text";
  reason.placeholder = "What is wrong? (optional) does not play / no face / no emotion of the seven";
  reason.setAttribute("aria-label", "What is wrong? (optional)");
  const send = document.createElement("button");
  send.type = "button";
  send.textContent = "Report broken clip";
  report.append(summary, reason, send);
  root.append(counter, stage, buttons, status, report);
  const player = {
    root, videos, buttons, status, counter, reason,
    shown: 0, current: null, ahead: null, busy: false, emotions: [],
    mode: "vote", reasons: [], rejecting: false,
  };
  send.addEventListener("click", () => {
    act(player, "/api/report", { reason: reason.value }).then(() => {
      reason.value = "";
      report.open = false;
    });
  });
  document.addEventListener("keydown", (event) => onKey(player, event));
  return player;
}

function load(video, item) {
  if (item === null) {
    video.removeAttribute("src");
    video.load();
    return;
  }
  video.setAttribute("aria-label", item.label);
  if (video.getAttribute("src") !== item.src) {
    video.src = item.src;
    video.load();
  }
}

function showCurrent(player) {
  const [front, back] = [player.videos[player.shown], player.videos[1 - player.shown]];
  if (player.current === null) {
    front.pause();
    front.hidden = true;
    const empty = player.mode === "screen"
      ? "No candidate clip is waiting for screening."
      : "No clip needs your vote right now. Thank you! Come back later.";
    const said = player.status.textContent; // the last answer's message stays in front
    if (!said.endsWith(empty)) player.status.textContent = `${said} ${empty}`.trim();
    return;
  }
  if (back.getAttribute("src") === player.current.src) {
    // The preloaded clip is the one to show: swap the players.
    front.pause();
    front.hidden = true;
    back.hidden = false;
    player.shown = 1 - player.shown;
  } else {
    load(front, player.current);
    front.hidden = false;
  }
  player.videos[player.shown].play().catch(() => {});
  load(player.videos[1 - player.shown], player.ahead);
}

function button(text, className, onClick) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = className;
  element.textContent = text;
  element.addEventListener("click", onClick);
  return element;
}

function drawScreenButtons(player) {
  if (player.buttons.childElementCount) return;
  player.root.classList.add("dfew-screen");
  const accept = button("A · Accept", "dfew-decision dfew-accept", () => decide(player, true));
  const reject = button("R · Reject…", "dfew-decision dfew-reject", () => askReason(player, true));
  const reasons = document.createElement("div");
  reasons.className = "dfew-reasons";
  reasons.hidden = true;
  reasons.append(
    ...player.reasons.map((reason, index) =>
      button(`${index + 1} · ${reason}`, "dfew-reason", () => decide(player, false, reason))),
    button("Esc · Back", "dfew-reason dfew-back", () => askReason(player, false)),
  );
  player.reasonList = reasons;
  player.buttons.append(accept, reject, reasons);
}

function askReason(player, rejecting) {
  player.rejecting = rejecting;
  player.reasonList.hidden = !rejecting;
}

function decide(player, accept, reason = null) {
  askReason(player, false);
  return act(player, "/api/screen", { accept, reason });
}

function drawButtons(player) {
  if (player.mode === "screen") return drawScreenButtons(player);
  if (player.buttons.childElementCount === player.emotions.length) return;
  player.buttons.replaceChildren(
    ...player.emotions.map((name, index) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `dfew-emotion dfew-emotion-${index + 1}`;
      button.textContent = `${index + 1} · ${name}`;
      button.addEventListener("click", () => vote(player, index + 1));
      return button;
    }),
  );
}

function showCounts(player, today, total) {
  player.counter.textContent = `Your votes today: ${today} · in all: ${total}`;
}

function vote(player, emotion) {
  return act(player, "/api/vote", { emotion });
}

async function act(player, route, fields) {
  if (player.busy || player.current === null) return;
  player.busy = true;
  try {
    await window.__dfewSession; // a login of this very page: its cookie first
    const answer = await fetch(route, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ lease: player.current.lease, ...fields }),
    });
    const turn = await answer.json();
    if (!answer.ok) {
      player.status.textContent = turn.error || "The vote could not be sent — reload the page.";
      return;
    }
    player.current = turn.current;
    player.ahead = turn.ahead;
    player.status.textContent = turn.message;
    showCurrent(player);
    if (turn.counter !== undefined) player.counter.textContent = turn.counter;
    else showCounts(player, turn.today, turn.total);
  } catch (error) {
    player.status.textContent = "The server did not answer — check the connection, then retry.";
  } finally {
    player.busy = false;
  }
}

function onKey(player, event) {
  if (!player.root.isConnected) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) {
    return;
  }
  if (player.mode === "screen") return onScreenKey(player, event);
  const emotion = Number(event.key);
  if (Number.isInteger(emotion) && emotion >= 1 && emotion <= player.emotions.length) {
    event.preventDefault();
    vote(player, emotion);
  }
}

function onScreenKey(player, event) {
  const key = event.key.toLowerCase();
  const choice = Number(event.key);
  if (key === "a") decide(player, true);
  else if (key === "r") askReason(player, true);
  else if (key === "escape" && player.rejecting) askReason(player, false);
  else if (player.rejecting && Number.isInteger(choice) && choice >= 1 && choice <= player.reasons.length) {
    decide(player, false, player.reasons[choice - 1]);
  } else return;
  event.preventDefault();
}

// A login made on this page comes with a one-time hand-off code: posted to /api/session, it
// becomes the HttpOnly session cookie (the token itself never reaches this script). Clips and
// votes wait for that cookie.
function openSession(code) {
  if (window.__dfewHandoff === code) return;
  window.__dfewHandoff = code;
  window.__dfewSession = fetch("/api/session", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code }),
  }).catch(() => null);
}

export default function (component) {
  const { data } = component;
  if (data.handoff) openSession(data.handoff);
  if (data.emotions || data.mode === "screen") Promise.resolve(window.__dfewSession).then(() => update(component));
}

function update(component) {
  const { data, parentElement } = component;
  let player = parentElement[STATE];
  if (!player) {
    player = createPlayer(parentElement);
    parentElement[STATE] = player;
  }
  player.mode = data.mode || "vote";
  player.emotions = data.emotions || [];
  player.reasons = data.reasons || [];
  drawButtons(player);
  if (data.counter !== undefined) {
    if (!player.busy) player.counter.textContent = data.counter;
  } else if (!player.counter.textContent) showCounts(player, data.today, data.total);
  const fresh = data.current ? data.current.lease : null;
  const mine = player.current ? player.current.lease : null;
  if (!player.busy && fresh !== mine) {
    // A new page run (a reload, a page switch back) with another clip: follow it.
    player.current = data.current;
    player.ahead = data.ahead;
    showCurrent(player);
  } else if (player.current === null && fresh === null) {
    showCurrent(player);
  }
}
