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

// The header's search form, last in its bar, made here as the search needs
// scripts (style.css keeps its room). A block keeps these names local.
{
  // The site's root: the parent of static/, this script's folder.
  const root = document.currentScript?.getAttribute("src").replace(/static\/[^/]*$/, "") || "./";
  const bar = document.querySelector("body > header > div");
  if (bar && !document.getElementById("site-search-q")) {
    const form = Object.assign(document.createElement("form"), { className: "site-search", action: `${root}search/` });
    form.setAttribute("role", "search");
    form.setAttribute("aria-label", "Site search");
    const field = Object.assign(document.createElement("input"), {
      id: "site-search-q", name: "q", type: "search", placeholder: "Search papers (press /)", autocomplete: "off",
    });
    field.setAttribute("aria-label", "Search papers");
    form.append(field, " ", Object.assign(document.createElement("button"), { textContent: "Search" }));
    bar.append(form);
  }

  // A paper page's authors: each name a link to a search for it (the search
  // needs this script, so the page holds the names only).
  for (const item of document.querySelectorAll("ul.authors > li")) {
    const link = Object.assign(document.createElement("a"), { textContent: item.textContent });
    link.href = `${root}search/?author=${encodeURIComponent(item.textContent)}`;
    item.replaceChildren(link);
  }
}

// Controls that need a script (a listing's BibTeX button) show only with it,
// by visibility (nothing moves); the search form's room goes as it comes.
document.documentElement.classList.add("js");
