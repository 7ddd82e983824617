// The deal form asks for an exchange rate only while the deal's currency differs from the base currency
// (the currency input's data-base-currency). Without JavaScript the rate stays visible, and the server
// ignores a rate given for the base currency.
(function () {
  "use strict";

  function init() {
    var currency = document.querySelector("input[name=currency][data-base-currency]");
    var rate = document.querySelector("input[name=exchange_rate]");
    var field = rate && rate.closest(".field");
    if (!currency || !field) { return; }
    function update() {
      field.hidden = currency.value.trim().toUpperCase() === currency.dataset.baseCurrency;
    }
    currency.addEventListener("input", update);
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
