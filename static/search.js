// In-browser search over search-index.json. Results are built from text nodes
// only, so nothing from the index is ever parsed as HTML.
(() => {
  "use strict";
  const form = document.querySelector("form.search-page");
  if (!form) return;
  const input = form.querySelector("input[name=q]");
  const status = document.getElementById("search-status");
  const list = document.getElementById("results");
  const root = form.dataset.root;
  const MAX_RESULTS = 50;
  const WORD = /[\p{L}\p{N}]+/gu;

  // The same folding as the build's generator/search.py: accents off, lower case.
  const fold = (text) => text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  const words = (text) => fold(text).match(WORD) || [];

  let papers = null;
  let topicNames = {};
  let stopWords = new Set();

  const load = fetch(form.dataset.index)
    .then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json();
    })
    .then((index) => {
      topicNames = index.topics || {};
      stopWords = new Set(index.stop_words || []);
      papers = index.papers.map((paper) => ({
        paper,
        title: words(paper.title),
        abstract: paper.words ? paper.words.split(" ") : [],
        newest: paper.days[paper.days.length - 1] || "",
      }));
    });

  // A term scores most as a whole title word, then as the start of one, then
  // likewise in the abstract; a paper must match every term.
  function score(entry, terms) {
    let total = 0;
    for (const term of terms) {
      let best = 0;
      for (const word of entry.title) {
        if (word === term) { best = 10; break; }
        if (word.startsWith(term)) best = Math.max(best, 6);
      }
      if (best === 0) {
        for (const word of entry.abstract) {
          if (word === term) { best = 2; break; }
          if (word.startsWith(term)) best = Math.max(best, 1);
        }
      }
      if (best === 0) return 0;
      total += best;
    }
    return total;
  }

  function highlighted(title, terms) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of title.matchAll(WORD)) {
      const folded = fold(match[0]);
      if (!terms.some((term) => folded.startsWith(term))) continue;
      fragment.append(document.createTextNode(title.slice(last, match.index)));
      const mark = document.createElement("mark");
      mark.textContent = match[0];
      fragment.append(mark);
      last = match.index + match[0].length;
    }
    fragment.append(document.createTextNode(title.slice(last)));
    return fragment;
  }

  function resultItem(entry, terms) {
    const { paper } = entry;
    const item = document.createElement("li");
    const heading = document.createElement("h2");
    heading.className = "result-title";
    const link = document.createElement("a");
    link.href = root + paper.url;
    link.append(highlighted(paper.title, terms));
    heading.append(link);
    const meta = document.createElement("p");
    meta.className = "meta";
    const topics = paper.topics.map((slug) => topicNames[slug] || slug).join(", ");
    const inTitle = terms.every((term) => entry.title.some((word) => word.startsWith(term)));
    meta.textContent = [paper.days.join(", "), topics, inTitle ? "" : "matched in the abstract"]
      .filter(Boolean)
      .join(" · ");
    item.append(heading, meta);
    return item;
  }

  function show() {
    const query = input.value;
    const url = new URL(window.location.href);
    if (query.trim()) url.searchParams.set("q", query);
    else url.searchParams.delete("q");
    window.history.replaceState(null, "", url);

    // Stop words are not indexed for abstracts, so they cannot be required.
    const terms = [...new Set(words(query))].filter((term) => !stopWords.has(term));
    list.replaceChildren();
    if (!terms.length) {
      status.textContent = `Type to search ${papers.length} papers.`;
      return;
    }
    const found = [];
    for (const entry of papers) {
      const points = score(entry, terms);
      if (points) found.push({ entry, points });
    }
    found.sort((a, b) =>
      b.points - a.points ||
      (a.entry.newest < b.entry.newest ? 1 : a.entry.newest > b.entry.newest ? -1 : 0) ||
      a.entry.paper.title.localeCompare(b.entry.paper.title));
    const shown = found.slice(0, MAX_RESULTS);
    list.append(...shown.map(({ entry }) => resultItem(entry, terms)));
    status.textContent = found.length === 0
      ? "No papers match."
      : found.length > shown.length
        ? `${found.length} papers match; showing the best ${shown.length}.`
        : `${found.length} paper${found.length === 1 ? "" : "s"} match.`;
  }

  input.value = new URLSearchParams(window.location.search).get("q") || "";
  status.textContent = "Loading the index…";
  load.then(() => {
    show();
    input.addEventListener("input", show);
  }).catch((error) => {
    status.textContent = `The search index could not be loaded (${error.message}).`;
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (papers) show();
  });
})();
