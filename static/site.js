// Press "/" anywhere (outside a text field) to jump to the search field.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  const field = document.getElementById("q") || document.getElementById("site-search-q");
  if (!field) return;
  event.preventDefault();
  field.focus();
  field.select();
});
