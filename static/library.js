// The reader's library, kept in this browser only (saved.js shows it on
// saved/ and For you); this part, on every page, makes the Save buttons.
// One key per site (two project sites on one origin keep two libraries):
//   {"version": 1, "papers": [{"slug", "n", "title", "saved"}, ...]}
// newest first; `n`, the paper's number in the site's data when saved, is
// checked before use. A full or disabled storage is said on the page.
(() => {
  "use strict";
  // The site's root: the parent of static/, this script's folder.
  const root = document.currentScript?.getAttribute("src").replace(/static\/[^/]*$/, "") || "./";
  const made = (tag, properties) => Object.assign(document.createElement(tag), properties);
  const message = document.body.appendChild(made("p", { id: "library-message", className: "library-message" }));
  message.setAttribute("role", "status");
  const KEY = `digest-library-v1:${new URL(root, window.location.href).pathname}`;
  const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  const PAGE = /\/papers\/([a-z0-9-]+)\/(?:index\.html)?$/;
  const NO_STORAGE = "Saving papers needs this browser's storage, which is turned off for this site.";
  const listeners = [];
  let hiding;

  /** One line for the reader, at the window's foot, for a while. */
  function say(text) {
    clearTimeout(hiding);
    message.textContent = text;
    message.classList.add("shown");
    hiding = setTimeout(() => message.classList.remove("shown"), 10000);
  }

  function storage() {
    try {
      return window.localStorage;
    } catch {
      return null;
    }
  }

  const isPaper = (item) => typeof item?.slug === "string" && SLUG.test(item.slug);
  const cleaned = (item) => ({
    slug: item.slug,
    n: Number.isInteger(item.n) && item.n >= 0 ? item.n : -1,
    title: typeof item.title === "string" ? item.title.slice(0, 1000) : item.slug,
    saved: Number.isFinite(item.saved) ? item.saved : 0,
  });

  /** The saved papers, or null if the storage cannot be read. */
  function load() {
    try {
      const text = storage().getItem(KEY);
      const papers = text ? JSON.parse(text).papers : [];
      return Array.isArray(papers) ? papers.filter(isPaper).map(cleaned) : [];
    } catch (error) {
      return error instanceof SyntaxError ? [] : null; // replaced by the next save
    }
  }

  /** Stores `papers`; says why not and returns false when it cannot. */
  function store(papers) {
    try {
      storage().setItem(KEY, JSON.stringify({ version: 1, papers }));
    } catch (error) {
      say(!storage() || error.name === "SecurityError"
        ? NO_STORAGE
        : "This browser's storage for this site is full: the change was not saved.");
      return false;
    }
    changed();
    return true;
  }

  function titleOf(button) {
    const holder = button.closest("article, li");
    const heading = holder && (holder.querySelector("h1") || holder.querySelector("h2, h3, a"));
    return heading ? heading.textContent.trim() : slugOf(button);
  }

  // A button's paper: its data-save, else this page's (under the title), else
  // the one its card or item links to.
  function slugOf(button) {
    if (!button.dataset.save) {
      const links = button.closest(".save-row") ? [window.location] : button.closest("article, li")?.querySelectorAll("a") || [];
      const found = [...links].map((a) => PAGE.exec(a.pathname)).find(Boolean);
      button.dataset.save = found ? found[1] : "";
    }
    return button.dataset.save;
  }

  // Save buttons for the papers numbered by data-n (style.css keeps room), a
  // paper's own in a row under its title.
  const row = document.querySelector("article[data-n] > header")?.appendChild(made("p", { className: "save-row" }));
  for (const at of document.querySelectorAll(".paper-card[data-n], li[data-n], .save-row")) {
    const button = made("button", { className: "save", textContent: "Save" });
    button.dataset.n = at.closest("[data-n]").dataset.n;
    at.append(at.localName === "li" ? " " : "", button);
    if (at === row) at.append(" ", made("a", { href: `${root}saved/`, textContent: "Saved papers" }));
  }

  function showButtons(buttons) {
    const saved = new Set((load() || []).map((paper) => paper.slug));
    for (const button of buttons) {
      button.type = "button";
      button.setAttribute("aria-pressed", String(saved.has(slugOf(button))));
      if (!button.hasAttribute("aria-label")) button.setAttribute("aria-label", `Save “${titleOf(button)}”`);
    }
  }

  function changed() {
    showButtons(document.querySelectorAll("button.save"));
    for (const listener of listeners) listener();
    // For you on the home page: its scripts only once something is saved.
    const wanted = document.getElementById("for-you") && !document.querySelector("script[src$='/foryou.js']");
    if (wanted && load()?.length) {
      for (const name of ["bibtex.js", "foryou.js", "saved.js"]) {
        document.head.append(made("script", { src: `${root}static/${name}`, async: false }));
      }
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element && event.target.closest("button.save");
    if (!button) return;
    const papers = load();
    if (papers === null) return say(NO_STORAGE);
    const slug = slugOf(button);
    if (!isPaper({ slug })) return;
    const at = papers.findIndex((paper) => paper.slug === slug);
    if (at >= 0) papers.splice(at, 1);
    else papers.unshift({ slug, n: Number(button.dataset.n), title: titleOf(button), saved: Date.now() });
    store(papers);
  });
  // Buttons added later (search results, For you) show their state too.
  new MutationObserver((records) => {
    for (const { addedNodes } of records) {
      for (const node of addedNodes) {
        if (node instanceof Element) showButtons(node.matches("button.save") ? [node] : node.querySelectorAll("button.save"));
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
  window.addEventListener("storage", (event) => event.key === KEY && changed());

  window.DigestLibrary = {
    root, load, store, say, isPaper, cleaned, NO_STORAGE,
    /** Calls `listener` now and whenever the library changes. */
    listen(listener) {
      listeners.push(listener);
      listener();
    },
  };
  changed();
})();
