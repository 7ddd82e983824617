// Record pickers: every <select data-typeahead-url> becomes a Tom Select that asks the server for matches
// as the user types (the page holds only the chosen record, so it does not grow with the business).
// Without JavaScript the select still submits the record it shows. Each match shows its name and what
// tells it from namesakes (a contact's email and company, a deal's company and stage...).
(function () {
  "use strict";

  function searchUrl(base, query) {
    return base + (base.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(query);
  }

  function enhance(select) {
    var base = select.dataset.typeaheadUrl;
    var latest = 0;
    var settings = {
      valueField: "id",
      labelField: "label",
      searchField: [],
      maxOptions: 20,
      preload: "focus",
      loadThrottle: 250,
      allowEmptyOption: false,  // an empty choice shows the placeholder; Backspace clears a choice
      placeholder: select.dataset.typeaheadPlaceholder || "",
      // The server has matched (folding Persian letters, searching emails and companies): show what it sent.
      score: function () { return function () { return 1; }; },
      shouldLoad: function () { return true; },
      load: function (query, callback) {
        var self = this;
        var request = ++latest;
        fetch(searchUrl(base, query), {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : {results: []}; })
          .then(function (data) {
            if (request !== latest) { callback(); return; }  // a later query is on its way
            self.clearOptions();
            callback(data.results);
          })
          .catch(function () { callback(); });
      },
      render: {
        option: function (item, escape) {
          var detail = item.detail ? '<span class="typeahead-detail">' + escape(item.detail) + "</span>" : "";
          return '<div class="typeahead-option"><span class="typeahead-label">' + escape(item.label) + "</span>" +
            detail + "</div>";
        },
        item: function (item, escape) { return "<div>" + escape(item.label) + "</div>"; },
        no_results: function () {
          return '<div class="no-results">' + (select.dataset.typeaheadNoResults || "") + "</div>";
        },
      },
    };
    new window.TomSelect(select, settings);
  }

  function init() {
    if (!window.TomSelect) { return; }
    document.querySelectorAll("select[data-typeahead-url]").forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
