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

// A paper page's authors: each name a link to a search for it (the search
// needs this script, so the page holds the names only).
for (const item of document.querySelectorAll("ul.authors > li")) {
  const root = document.getElementById("main")?.dataset.root || "./";
  const link = Object.assign(document.createElement("a"), { textContent: item.textContent });
  link.href = `${root}search/?author=${encodeURIComponent(item.textContent)}`;
  item.replaceChildren(link);
}

// Controls that need this script (the copy buttons) are shown only with it,
// by visibility, which moves nothing on the page.
document.documentElement.classList.add("js");

// A "Copy" button copies the text of the element its data-copy names, and
// says so in the status beside it; where the clipboard is not allowed, it
// selects the text for the reader to copy.
for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", async () => {
    const source = document.getElementById(button.dataset.copy);
    const said = button.parentElement.querySelector("[role=status]");
    try {
      await navigator.clipboard.writeText(source.textContent);
      said.textContent = "Copied.";
    } catch {
      const range = document.createRange();
      range.selectNodeContents(source);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      source.focus();
      said.textContent = "Selected: press Ctrl+C to copy.";
    }
  });
}
