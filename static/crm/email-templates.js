// On a compose form, choosing an email template (select[data-email-template]) fills the subject and the
// message with its texts for the contact, from the page's "email-templates-data" JSON: the templates and,
// per contact ("" on a contact's or deal's page, else the "To" menu's value), the placeholders' values.
// Without JavaScript the server fills an empty subject or message from the chosen template on submit.
(function () {
  "use strict";

  var PLACEHOLDER = /\{\{|\}\}|\{(\w+)\}/g;

  function fill(text, values) {
    return text.replace(PLACEHOLDER, function (match, name) {
      if (match === "{{") { return "{"; }
      if (match === "}}") { return "}"; }
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : match;
    });
  }

  function init() {
    var source = document.getElementById("email-templates-data");
    var menu = document.querySelector("select[data-email-template]");
    if (!source || !menu) { return; }
    var data = JSON.parse(source.textContent);
    var form = menu.form;
    menu.addEventListener("change", function () {
      var template = data.templates[menu.value];
      if (!template) { return; }
      var to = form.elements.namedItem("contact");
      var values = data.contacts[to ? to.value : ""] || {};
      form.elements.namedItem("subject").value = fill(template.subject, values);
      form.elements.namedItem("body").value = fill(template.body, values);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
