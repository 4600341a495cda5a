/* Fieldnotes review page: links every highlighted span with its item, turns a selection in
   the note into the note's own offsets, and sends corrections with the page's write token.
   Nothing here builds HTML from data: messages go in with textContent only.

   Offsets: the record counts characters as Python does (code points); JavaScript strings
   count UTF-16 units, so an emoji is one character there and two here. Every piece of the
   note's text carries its code-point start (data-s), and a position inside a piece is
   converted by counting the code points before it. */
"use strict";
(function () {
  const token = (document.querySelector('meta[name="fieldnotes-token"]') || {}).content || null;
  const note = document.getElementById("note-text");
  const review = document.getElementById("review");
  const bar = document.getElementById("selection-bar");
  const status = document.getElementById("status");
  let pending = null;

  function codePoints(s) {
    let n = 0;
    for (const _ of s) n++; // for...of walks code points, not UTF-16 units
    return n;
  }

  function pieceOf(node) {
    const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    return el && el.closest ? el.closest("#note-text .t") : null;
  }

  function firstPiece(node) {
    if (node.nodeType !== Node.ELEMENT_NODE) return pieceOf(node);
    return node.matches(".t") ? node : node.querySelector(".t");
  }

  /* A DOM boundary point (node, UTF-16 offset or child index) as a code-point offset into
     the note, or null when it is outside the note. */
  function offsetAt(node, offset) {
    if (!note || !note.contains(node)) return null;
    if (node.nodeType === Node.TEXT_NODE) {
      const piece = pieceOf(node);
      return piece ? Number(piece.dataset.s) + codePoints(node.data.slice(0, offset)) : null;
    }
    if (offset < node.childNodes.length) {
      const piece = firstPiece(node.childNodes[offset]);
      return piece ? Number(piece.dataset.s) : null;
    }
    const last = node === note ? note.lastElementChild : pieceOf(node);
    return last ? Number(last.dataset.e) : null;
  }

  function readSelection() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    const start = offsetAt(range.startContainer, range.startOffset);
    const end = offsetAt(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return null;
    return { start: start, end: end, text: range.toString() };
  }

  function say(message, isError) {
    if (!status) return;
    status.textContent = message;
    status.classList.toggle("error", Boolean(isError));
    status.hidden = false;
  }

  function piecesOf(id) {
    return note ? Array.from(note.querySelectorAll('.t[data-spans~="' + id + '"]')) : [];
  }

  function itemsOf(id) {
    return Array.from(document.querySelectorAll('.item[data-span="' + id + '"]'));
  }

  function mark(id, cls, on) {
    piecesOf(id).concat(itemsOf(id)).forEach(function (el) { el.classList.toggle(cls, on); });
  }

  function spansUnder(target) {
    const item = target.closest ? target.closest(".item[data-span]") : null;
    if (item) return [item.dataset.span];
    const piece = target.closest ? target.closest("#note-text .t[data-spans]") : null;
    return piece ? piece.dataset.spans.split(" ") : [];
  }

  let active = null;
  function activate(id, reveal) {
    document.querySelectorAll(".active").forEach(function (el) { el.classList.remove("active"); });
    active = id;
    mark(id, "active", true);
    const target = reveal === "item" ? itemsOf(id)[0] : piecesOf(id)[0];
    if (target) target.scrollIntoView({ block: reveal === "item" ? "nearest" : "center" });
  }

  document.addEventListener("mouseover", function (e) {
    spansUnder(e.target).forEach(function (id) { mark(id, "hover", true); });
  });
  document.addEventListener("mouseout", function (e) {
    spansUnder(e.target).forEach(function (id) { mark(id, "hover", false); });
  });

  document.addEventListener("click", function (e) {
    const jump = e.target.closest(".jump");
    if (jump) {
      activate(jump.dataset.span, "note");
      return;
    }
    const piece = e.target.closest("#note-text .t[data-spans]");
    if (piece && !readSelection()) {
      const ids = piece.dataset.spans.split(" "); // innermost first; clicking again goes outwards
      const at = ids.indexOf(active);
      activate(at >= 0 ? ids[(at + 1) % ids.length] : ids[0], "item");
    }
  });

  if (!token) return; // exported or read-only pages: looking only

  async function send(url, body) {
    say("Saving…");
    try {
      const r = await fetch(url, {
        method: "POST", credentials: "same-origin", body: JSON.stringify(body),
        headers: { "Content-Type": "application/json", "X-Fieldnotes-Token": token },
      });
      const data = await r.json().catch(function () { return {}; });
      if (!r.ok) throw new Error(data.error || r.status + " " + r.statusText);
      sessionStorage.setItem("fieldnotes-saved", "1");
      location.reload();
    } catch (err) {
      say("Not saved: " + err.message, true);
    }
  }

  function edit(ops) {
    if (review) send(review.dataset.url, { ops: ops });
  }

  function itemOp(li, op, extra) {
    return Object.assign({ op: op, kind: li.dataset.kind, start: Number(li.dataset.start), end: Number(li.dataset.end) }, extra || {});
  }

  if (sessionStorage.getItem("fieldnotes-saved")) {
    sessionStorage.removeItem("fieldnotes-saved");
    say("Saved.");
  }

  document.addEventListener("mouseup", function (e) {
    if (!bar || bar.contains(e.target)) return;
    pending = readSelection();
    if (pending) document.getElementById("sel-text").textContent = pending.text;
    bar.hidden = !pending;
  });
  document.addEventListener("keyup", function (e) {
    if (!bar || bar.contains(e.target)) return;
    pending = readSelection();
    if (pending) document.getElementById("sel-text").textContent = pending.text;
    bar.hidden = !pending;
  });

  document.addEventListener("click", function (e) {
    const button = e.target.closest("button[data-action]");
    if (!button) return;
    const li = button.closest("li");
    const action = button.dataset.action;
    if (action === "remove") edit([itemOp(li, "remove_item")]);
    else if (action === "not-referral") edit([{ op: "referral", referral: false, name: li.dataset.name }]);
    else if (action === "referral") edit([{ op: "referral", referral: true, name: li.dataset.name }]);
    else if (action === "add" && pending) {
      const kind = document.getElementById("sel-kind").value;
      edit([kind === "referral" ? { op: "referral", referral: true, start: pending.start, end: pending.end }
                                : { op: "add_item", kind: kind, start: pending.start, end: pending.end }]);
    } else if (action === "task-snooze") {
      const until = button.parentElement.querySelector('input[type="date"]').value;
      if (!until) say("Pick a date to snooze until.", true);
      else send(button.parentElement.dataset.url, { status: "snoozed", until: until });
    } else if (action === "task-reopen") send(button.parentElement.dataset.url, { status: "open" });
  });

  document.addEventListener("change", function (e) {
    const el = e.target;
    if (el.dataset.action === "move") edit([itemOp(el.closest("li"), "move_item", { to: el.value })]);
    else if (el.dataset.action === "lead-status") send(el.dataset.url, { status: el.value });
    else if (el.dataset.action === "task-done") send(el.dataset.url, { status: el.checked ? "done" : "open" });
  });

  const form = document.getElementById("fields-form");
  if (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      const ops = Array.from(form.querySelectorAll("input[name]"))
        .filter(function (input) { return input.value.trim() !== input.dataset.initial; })
        .map(function (input) { return { op: "set", path: input.name, value: input.value.trim() || null }; });
      if (ops.length) edit(ops);
      else say("Nothing changed.");
    });
  }
})();
