// Deal board: drag a card onto another stage's column to move it. The drop submits the card's own
// "Move" form (the same CSRF-protected POST the keyboard path uses), so the server validates the move
// and the page reloads with the new counts, totals and any refusal message.
(function () {
  "use strict";

  function init() {
    var board = document.querySelector("[data-board]");
    var switcher = document.querySelector("[data-board-switch] select");
    if (switcher) {
      switcher.addEventListener("change", function () { window.location.assign(switcher.value); });
    }
    if (!board) { return; }
    var dragged = null;

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
      board.querySelectorAll(".drop-target").forEach(function (column) { column.classList.remove("drop-target"); });
    });

    board.addEventListener("dragover", function (event) {
      var column = event.target.closest(".board-column");
      if (!dragged || !column) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      board.querySelectorAll(".drop-target").forEach(function (other) {
        if (other !== column) { other.classList.remove("drop-target"); }
      });
      column.classList.add("drop-target");
    });

    board.addEventListener("drop", function (event) {
      var column = event.target.closest(".board-column");
      if (!dragged || !column) { return; }
      event.preventDefault();
      var form = dragged.querySelector("form.move-form");
      var select = form && form.querySelector("select[name='stage']");
      var stageId = column.dataset.stageId;
      if (!select || select.value === stageId) { return; }
      select.value = stageId;
      dragged.classList.add("moving");
      form.submit();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
