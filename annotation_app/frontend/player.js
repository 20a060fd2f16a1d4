// The voting player (a Streamlit component, served from the package: no outside requests).
//
// It shows the clip reserved now in one <video> and keeps the next reserved clip loading in a
// hidden one. On a key 1–7 (or a click on an emotion) it posts the vote to /api/vote; once the
// server answers (the vote is committed) it swaps in the preloaded clip at once and preloads
// the one after. The annotator's own counter and the broken-clip report live here too, so the
// page never waits for a Streamlit rerun. Every text is set as text, never as markup.
//
// Undo: after a saved vote, key U (or the button) shows that clip again; a key 1–7 then changes
// the vote (/api/undo), Esc keeps it. The server refuses once another vote was cast or the clip
// completed. Timing: each vote carries the seconds its clip was on screen in a visible tab
// (the Page Visibility API pauses the count while the tab is hidden); the server clamps them.

// In screening mode (data.mode "screen") the same player shows candidates: keys A (accept) and
// R (reject, then 1–n for the reason, Escape to go back) post to /api/screen; the buttons sit
// beside the clip and the counter says how many candidates are left.

const STATE = Symbol("dfew-player");
const ANSWER_TIMEOUT_MS = 30000; // a vote, undo or report not answered by then is reported

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
  const undo = document.createElement("button");
  undo.type = "button";
  undo.className = "dfew-undo";
  undo.textContent = "Undo last vote (U)";
  undo.disabled = true;
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
  root.append(counter, stage, buttons, undo, status, report);
  const player = {
    root, videos, buttons, status, counter, reason, undo,
    shown: 0, current: null, ahead: null, busy: false, emotions: [],
    last: null, changing: false, watch: { ms: 0, since: null },
    mode: "vote", reasons: [], rejecting: false,
  };
  undo.addEventListener("click", () => startChange(player));
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) pauseWatch(player);
    else if (!player.changing) resumeWatch(player);
  });
  send.addEventListener("click", () => {
    report(player, reason.value).then(() => {
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

// The seconds the current clip has been on screen in a visible tab: counted from when it was
// shown, paused while the tab is hidden or the previous clip is shown again for an undo.
function startWatch(player) {
  player.watch = { ms: 0, since: null };
  resumeWatch(player);
}

function pauseWatch(player) {
  const watch = player.watch;
  if (watch.since !== null) {
    watch.ms += performance.now() - watch.since;
    watch.since = null;
  }
}

function resumeWatch(player) {
  if (player.watch.since === null && player.current !== null && !document.hidden) {
    player.watch.since = performance.now();
  }
}

function watchedSeconds(player) {
  const watch = player.watch;
  const running = watch.since === null ? 0 : performance.now() - watch.since;
  return (watch.ms + running) / 1000;
}

// Show the clip to vote on now (swapping in the preloaded one when it is that clip) and preload
// the next; ``keepWatch``: the clip was on screen already (shown early), its count goes on.
function showCurrent(player, keepWatch = false) {
  player.buttons.classList.remove("dfew-saving");
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
  if (!keepWatch) startWatch(player);
}

// On a vote, start playing the preloaded next clip at once, while the vote is saved; its keys
// wait for the answer (the vote is committed before the next clip can be voted on), and a vote
// that fails brings the voted clip back. Returns whether the next clip is showing now.
function showAheadEarly(player) {
  const [front, back] = [player.videos[player.shown], player.videos[1 - player.shown]];
  if (player.ahead === null || back.getAttribute("src") !== player.ahead.src) return false;
  if (back.readyState < 2) return false; // not loaded yet: wait for the answer as before
  front.pause();
  front.hidden = true;
  back.hidden = false;
  player.shown = 1 - player.shown;
  back.play().catch(() => {});
  player.buttons.classList.add("dfew-saving");
  startWatch(player);
  return true;
}

function startChange(player) {
  if (player.busy || player.changing) return;
  if (player.last === null) {
    player.status.textContent = "Nothing to undo: you have not voted on this page yet.";
    return;
  }
  player.changing = true;
  pauseWatch(player);
  const front = player.videos[player.shown];
  load(front, player.last);
  front.hidden = false;
  front.play().catch(() => {});
  const was = player.emotions[player.last.emotion - 1];
  player.status.textContent =
    `Changing your last vote (${was}): press 1–7 for the right emotion, Esc to keep it.`;
}

function endChange(player, message) {
  player.changing = false;
  const watch = player.watch;
  showCurrent(player);
  player.watch = watch; // the current clip's count goes on where it paused
  resumeWatch(player);
  if (message !== undefined) player.status.textContent = message;
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
  if (player.busy || player.current === null) return;
  player.busy = true;
  return act(player, "/api/screen", { accept, reason, lease: player.current.lease }, {});
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
  if (player.changing) return change(player, emotion);
  if (player.busy || player.current === null) return;
  const voted = player.current;
  const fields = { emotion, lease: voted.lease, shown: watchedSeconds(player) };
  const watch = player.watch;
  player.busy = true; // from here on, keys wait for this vote's answer
  const early = showAheadEarly(player);
  const back = () => {
    if (!early) return;
    showCurrent(player); // the voted clip again: nothing was saved
    player.watch = watch;
  };
  return act(player, "/api/vote", fields, {
    done: (turn) => {
      if (turn.saved) player.last = { ...voted, emotion };
      player.undo.disabled = player.last === null;
    },
    failed: back,
    early,
  });
}

function change(player, emotion) {
  if (player.busy) return;
  const last = player.last;
  player.busy = true;
  return act(player, "/api/undo", { emotion, lease: last.lease }, {
    done: (turn) => {
      if (turn.saved) last.emotion = emotion;
    },
    failed: () => endChange(player),
    leave: () => endChange(player),
  });
}

function report(player, reason) {
  if (player.busy || player.current === null) return Promise.resolve();
  player.busy = true;
  return act(player, "/api/report", { reason, lease: player.current.lease }, {});
}

// Post an action (``player.busy`` set by the caller) on the lease named in ``fields``; on a good
// answer ``done(turn)`` runs, then the clip to vote on now shows (``early``: it already plays
// if it is the preloaded one), or ``leave()`` ends an undo that left the queue as it was;
// ``failed()`` runs on a refusal or no answer.
async function act(player, route, fields, { done = () => {}, failed = () => {}, leave, early }) {
  let turn = null;
  try {
    const answer = await fetch(route, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(fields),
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
    const answered = await answer.json();
    if (!answer.ok) {
      failed();
      player.status.textContent = answered.error || "The vote could not be sent — reload the page.";
      return;
    }
    turn = answered;
    done(turn);
  } catch (error) {
    failed();
    player.status.textContent = "The server did not answer — check the connection, then retry.";
    return;
  } finally {
    player.busy = false;
  }
  const moved = !player.current || !turn.current || turn.current.lease !== player.current.lease;
  player.current = turn.current;
  player.ahead = turn.ahead;
  player.status.textContent = turn.message;
  if (leave && !moved) {
    leave();
  } else {
    player.changing = false;
    const playing = player.videos[player.shown].getAttribute("src");
    showCurrent(player, Boolean(early && turn.current && playing === turn.current.src));
  }
  if (turn.counter !== undefined) player.counter.textContent = turn.counter;
  else showCounts(player, turn.today, turn.total);
}

function onKey(player, event) {
  if (!player.root.isConnected) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) {
    return;
  }
  if (player.mode === "screen") return onScreenKey(player, event);
  if (event.key === "u" || event.key === "U") {
    event.preventDefault();
    startChange(player);
    return;
  }
  if (event.key === "Escape" && player.changing) {
    event.preventDefault();
    endChange(player, "Your last vote stays as it was.");
    return;
  }
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
// becomes the HttpOnly session cookie (the token itself never reaches this script). Then the
// app is asked for a new run, which draws the page: every clip it shows needs that cookie.
function carryLogin(component, code) {
  if (window.__dfewHandoff === code) return;
  window.__dfewHandoff = code;
  fetch("/api/session", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code }),
  })
    .catch(() => null)
    .then(() => component.setTriggerValue("carried", true));
}

export default function (component) {
  const { data } = component;
  if (data.handoff) carryLogin(component, data.handoff);
  if (data.emotions || data.mode === "screen") update(component);
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
