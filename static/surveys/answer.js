// Once a value is chosen on a scale, its "please choose" message no longer applies: hide it.
document.addEventListener("change", (event) => {
  const scale = event.target.closest(".scale");
  if (!scale) { return; }
  scale.removeAttribute("aria-invalid");
  const errorId = scale.getAttribute("aria-describedby");
  const error = errorId && document.getElementById(errorId);
  if (error) { error.hidden = true; }
});
