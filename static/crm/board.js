// Deal board: drag a card onto another stage's column to move it (mouse: native drag and drop; touch and
// pen: pointer events). The move posts the card's own "Move" form with fetch, asking for JSON, to the same
// view and service as the form post: the card moves in place and the column counts and totals update; a
// refusal (stale board, not allowed) puts the card back and shows why. Without script the form posts.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name='csrfmiddlewaretoken']");
    return input ? input.value : "";
  }

  function announce(board, text, isError) {
    var box = document.querySelector("[data-board-message]");
    if (!box) {
      box = document.createElement("p");
      box.setAttribute("data-board-message", "");
      box.setAttribute("role", "status");
      board.parentNode.insertBefore(box, board);
    }
    box.className = isError ? "message error" : "message success";
    box.textContent = text;
  }

  function updateColumns(board, columns) {
    columns.forEach(function (numbers) {
      var column = board.querySelector(".board-column[data-stage-id='" + numbers.stage + "']");
      if (!column) { return; }
      column.querySelector("[data-count]").textContent = numbers.count_text;
      column.querySelector("[data-total] bdi").textContent = numbers.total;
      column.querySelector("[data-weighted] bdi").textContent = numbers.weighted;
    });
  }

  function moveCard(board, card, column) {
    var form = card.querySelector("form.move-form");
    var select = form && form.querySelector("select[name='stage']");
    var stageId = column.dataset.stageId;
    if (!select || select.value === stageId) { return; }
    if (!window.fetch) { select.value = stageId; form.submit(); return; }
    var home = card.parentNode;
    var next = card.nextSibling;
    column.querySelector(".cards-list").prepend(card);
    card.classList.add("moving");
    var body = new FormData(form);
    body.set("stage", stageId);
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"Accept": "application/json", "X-CSRFToken": csrfToken(form)}
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (result) {
      card.classList.remove("moving");
      if (!result.ok) { throw {refusal: result.data.error}; }
      select.value = stageId;
      form.querySelector("input[name='version']").value = result.data.version;
      updateColumns(board, result.data.columns);
      announce(board, result.data.message, false);
    }).catch(function (error) {
      card.classList.remove("moving");
      home.insertBefore(card, next);
      // The server's reason when it gave one; the page's own words for a network or server failure.
      announce(board, (error && error.refusal) || board.dataset.moveFailed, true);
    });
  }

  function init() {
    var board = document.querySelector("[data-board]");
    var switcher = document.querySelector("[data-board-switch] select");
    if (switcher) {
      switcher.addEventListener("change", function () { window.location.assign(switcher.value); });
    }
    if (!board) { return; }
    var dragged = null;

    function clearTargets() {
      board.querySelectorAll(".drop-target").forEach(function (column) { column.classList.remove("drop-target"); });
    }

    board.addEventListener("dragstart", function (event) {
      var card = event.target.closest ? event.target.closest(".deal-card[draggable='true']") : null;
      if (!card) { return; }
      dragged = card;
      card.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.dealId);
    });

    board.addEventListener("dragend", function () {
      if (dragged) { dragged.classList.remove("dragging"); }
      dragged = null;
      clearTargets();
    });

    board.addEventListener("dragover", function (event) {
      var column = event.target.closest(".board-column");
      if (!dragged || !column) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      clearTargets();
      column.classList.add("drop-target");
    });

    board.addEventListener("drop", function (event) {
      var column = event.target.closest(".board-column");
      if (!dragged || !column) { return; }
      event.preventDefault();
      var card = dragged;
      dragged = null;
      card.classList.remove("dragging");
      clearTargets();
      moveCard(board, card, column);
    });

    // Touch and pen: native drag and drop does not start from a finger, so follow the pointer instead.
    var touched = null;
    board.addEventListener("pointerdown", function (event) {
      if (event.pointerType === "mouse") { return; }
      var card = event.target.closest(".deal-card[draggable='true']");
      if (!card || event.target.closest("button, select, input, label, summary")) { return; }
      touched = card;
      card.classList.add("dragging");
    });
    board.addEventListener("pointermove", function (event) {
      if (!touched) { return; }
      event.preventDefault();
      var under = document.elementFromPoint(event.clientX, event.clientY);
      var column = under && under.closest(".board-column");
      clearTargets();
      if (column) { column.classList.add("drop-target"); }
    });
    function endTouch(event, drop) {
      if (!touched) { return; }
      var card = touched;
      touched = null;
      card.classList.remove("dragging");
      clearTargets();
      if (!drop) { return; }
      var under = document.elementFromPoint(event.clientX, event.clientY);
      var column = under && under.closest(".board-column");
      if (column) { moveCard(board, card, column); }
    }
    board.addEventListener("pointerup", function (event) { endTouch(event, true); });
    board.addEventListener("pointercancel", function (event) { endTouch(event, false); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
