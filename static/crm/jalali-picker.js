// Jalali date picker (vendor/jalalidatepicker, loaded on Persian pages only) for every input the Jalali
// form fields render: they carry data-jdp, date-only ones also data-jdp-only-date, and data-jdp-digits
// says which digits the calendar draws. Typing by hand still works; the server checks the date.
(function () {
  "use strict";

  var PERSIAN = "۰۱۲۳۴۵۶۷۸۹";
  var ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩";
  var SELECTOR = "input[data-jdp]";

  function latinDigits(text) {
    return text.replace(/[۰-۹٠-٩]/g, function (digit) {
      var index = PERSIAN.indexOf(digit);
      return String(index >= 0 ? index : ARABIC_INDIC.indexOf(digit));
    });
  }

  function init() {
    if (!window.jalaliDatepicker || !document.querySelector(SELECTOR)) { return; }
    // The picker reads Latin digits only (the page's font draws them as Persian ones): a date typed
    // with a Persian keyboard is rewritten in Latin digits once typed, so the picker opens on it.
    // The server reads either.
    document.addEventListener("change", function (event) {
      var input = event.target;
      if (input instanceof HTMLInputElement && input.matches(SELECTOR)) {
        var latin = latinDigits(input.value);
        if (latin !== input.value) { input.value = latin; }
      }
    }, true);
    // Moving on to another field closes the picker, which would otherwise cover the next one.
    function focusIsElsewhere() {
      var focused = document.activeElement;
      return focused instanceof Element && !focused.matches(SELECTOR) && !focused.closest("jdp-container");
    }
    function hideIfFocusIsElsewhere() {
      if (document.querySelector("jdp-container") && focusIsElsewhere()) { window.jalaliDatepicker.hide(); }
    }
    document.addEventListener("focusin", function (event) {
      var target = event.target;
      if (target instanceof Element && !target.matches(SELECTOR) && !target.closest("jdp-container")) {
        hideIfFocusIsElsewhere();
        // The picker shows itself in a 300 ms transition whose end makes it visible again, even after a
        // hide: if the user moved on during it, hide once more when it is over.
        window.setTimeout(hideIfFocusIsElsewhere, 350);
      }
    }, true);
    window.jalaliDatepicker.startWatch({
      selector: SELECTOR,
      time: true,  // date-time fields; date-only ones opt out with data-jdp-only-date
      hasSecond: false,
      persianDigits: document.querySelector(SELECTOR + "[data-jdp-digits='fa']") !== null
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
