// The list's "select all" box ticks or clears every row box of the page for the bulk form.
document.addEventListener("DOMContentLoaded", () => {
  for (const all of document.querySelectorAll("input[data-select-all]")) {
    const rows = () => document.querySelectorAll(`input[type=checkbox][form="${all.dataset.selectAll}"][name=ids]`);
    all.addEventListener("change", () => { for (const box of rows()) box.checked = all.checked; });
  }
});
