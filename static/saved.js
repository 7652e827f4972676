// The saved/ page (the list, remove, export, import, clear) and "For you"
// (on the home page and on saved/), over the library that library.js keeps,
// the ranking of foryou.js and the fetching and saving of bibtex.js. The only requests are for the site's own
// files; everything shown is built from text nodes, never parsed as HTML.
(() => {
  "use strict";
  const { root, load, store, say, isPaper, cleaned, NO_STORAGE } = window.DigestLibrary;
  const { inTurns, fromPages, joined, save } = window.DigestBibtex;
  const FORMAT = "digest-library";
  const VERSION = 1;
  const SHOWN = 10;
  // Of a large library, the most recently saved papers are the query (a
  // saved paper costs a block of the library data to download).
  const MOST_SAVED = 200;

  // --- The site's data ----------------------------------------------------

  const cache = new Map();
  function fetched(path, read) {
    if (!cache.has(path)) {
      cache.set(path, fetch(root + path).then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status} for ${path}`);
        return read(response);
      }));
    }
    return cache.get(path);
  }
  const fetchJson = (path) => fetched(path, (response) => response.json());
  const fetchBytes = (path) => fetched(path, async (response) => new Uint8Array(await response.arrayBuffer()));
  // Library blocks already read, by number.
  const decoded = new Map();


  // What a result shows of paper `n`: [title, slug, days, topic numbers],
  // from the search data's display blocks.
  async function record(n) {
    const index = await fetchJson("library.json");
    if (!(n >= 0 && n < index.papers)) return null;
    const block = await fetchJson(`search/papers/${Math.floor(n / index.records)}.json`);
    return block[n % index.records] || null;
  }

  /**
   * Where the site has the paper `slug` now: its number and display record,
   * or null if the site no longer has it. The stored number is tried first;
   * a paper renumbered since (an older day added later) is found through
   * its own page, whose article says its number (in its data-n).
   */
  async function locate(slug, n) {
    if (n >= 0) {
      const found = await record(n);
      if (found && found[1] === slug) return { n, record: found };
    }
    const response = await fetch(`${root}papers/${slug}/`);
    if (response.status === 404 || response.status === 410) return null;
    if (!response.ok) throw new Error(`HTTP ${response.status} for papers/${slug}/`);
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const article = page.querySelector("article.paper[data-n]");
    const number = article ? Number(article.dataset.n) : -1;
    const found = number >= 0 ? await record(number) : null;
    return found && found[1] === slug ? { n: number, record: found } : null;
  }

  // --- Showing papers -----------------------------------------------------

  function element(tag, className, text) {
    const made = document.createElement(tag);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function paperLink(slug, title) {
    const link = element("a", "", title);
    link.href = `${root}papers/${slug}/`;
    return link;
  }

  async function topicNames(numbers) {
    const index = await fetchJson("library.json");
    return numbers.map((topic) => (index.topics[topic] || ["", ""])[1]).filter(Boolean);
  }

  async function meta(found) {
    const [, , days, topics] = found.record;
    return [days[0], ...(await topicNames(topics))].filter(Boolean).join(" · ");
  }

  // --- The saved page -----------------------------------------------------

  const library = document.querySelector("[data-library]");
  const savedList = document.getElementById("saved-list");
  const libraryStatus = document.getElementById("library-status");

  async function showLibrary() {
    const papers = load();
    if (papers === null) {
      libraryStatus.textContent = NO_STORAGE;
      savedList.replaceChildren();
      return;
    }
    libraryStatus.textContent = papers.length === 0
      ? "No saved papers yet: use the Save button beside any paper."
      : papers.length === 1 ? "1 saved paper." : `${papers.length} saved papers.`;
    for (const id of ["export-bib", "export-json", "clear-library"]) {
      document.getElementById(id).disabled = papers.length === 0;
    }
    const items = papers.map((paper) => {
      const item = element("li");
      const heading = element("h3", "", "");
      heading.append(paperLink(paper.slug, paper.title));
      const line = element("p", "meta");
      const remove = element("button", "remove", "Remove");
      remove.type = "button";
      remove.dataset.remove = paper.slug;
      remove.setAttribute("aria-label", `Remove “${paper.title}”`);
      item.append(heading, line, remove);
      locate(paper.slug, paper.n).then(async (found) => {
        line.textContent = found ? await meta(found) : "No longer on this site.";
      }).catch(() => {
        line.textContent = "";
      });
      return item;
    });
    savedList.replaceChildren(...items);
  }

  function remove(slug) {
    const papers = load();
    if (papers === null) return say(NO_STORAGE);
    const at = papers.findIndex((paper) => paper.slug === slug);
    if (at < 0) return;
    const [gone] = papers.splice(at, 1);
    if (store(papers)) say(`Removed “${gone.title}”.`);
  }

  // The entries of the saved papers' own pages (bibtex.js, as the day and
  // topic pages make theirs), in the library's order.
  async function exportBib() {
    const papers = load() || [];
    const results = await fromPages(papers.map((paper) => `${root}papers/${paper.slug}/`));
    save("saved-papers.bib", joined(results.flatMap((result) => (result.entry === undefined ? [] : [result.entry]))));
    const gone = results.filter((result) => result.gone).length;
    const failed = papers.flatMap((paper, at) => {
      const { entry, gone: away, error } = results[at];
      return entry === undefined && !away ? [`“${paper.title}” (${error})`] : [];
    });
    const said = [];
    if (gone) said.push(`${gone} saved ${gone === 1 ? "paper is" : "papers are"} no longer on this site and left out.`);
    if (failed.length) said.push(`${failed.length} could not be loaded and ${failed.length === 1 ? "is" : "are"} left out: ${failed.join(", ")}.`);
    if (said.length) say(said.join(" "));
  }

  function exportJson() {
    const papers = load() || [];
    save("saved-papers.json",
      `${JSON.stringify({ format: FORMAT, version: VERSION, papers }, null, 1)}\n`, "application/json");
  }

  /** The papers of an exported library, or a line saying why it is not one. */
  function readLibrary(text) {
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      return "That file is not a library exported from this site (it is not JSON); nothing was changed.";
    }
    if (data === null || typeof data !== "object" || data.format !== FORMAT || !Array.isArray(data.papers)) {
      return "That file is not a library exported from this site; nothing was changed.";
    }
    if (data.version !== VERSION) {
      return `That library is of version ${data.version}, which this site cannot read; nothing was changed.`;
    }
    const papers = data.papers.filter(isPaper).map(cleaned);
    if (papers.length < data.papers.length) {
      return "That library has papers this site cannot read; nothing was changed.";
    }
    return papers;
  }

  async function importFile(file) {
    let text;
    try {
      text = await file.text();
    } catch {
      return say("That file could not be read; nothing was changed.");
    }
    const imported = readLibrary(text);
    if (typeof imported === "string") return say(imported);
    const papers = load();
    if (papers === null) return say(NO_STORAGE);
    const have = new Set(papers.map((paper) => paper.slug));
    const fresh = [...new Map(imported.filter((p) => !have.has(p.slug)).map((p) => [p.slug, p])).values()];
    let located;
    try {
      located = await inTurns(fresh, (paper) => locate(paper.slug, paper.n));
    } catch (error) {
      return say(`The site could not be reached to check the papers (${error.message}); nothing was changed.`);
    }
    const kept = fresh.flatMap((paper, at) => (located[at] ? [{ ...paper, n: located[at].n }] : []));
    const skipped = fresh.length - kept.length;
    const merged = [...papers, ...kept].sort((a, b) => b.saved - a.saved);
    if (!store(merged)) return;
    const parts = [`Imported ${kept.length} ${kept.length === 1 ? "paper" : "papers"}`];
    const already = imported.length - fresh.length;
    if (already) parts.push(`${already} already saved`);
    if (skipped) parts.push(`${skipped} no longer on this site, skipped`);
    say(`${parts.join("; ")}.`);
  }

  if (library) {
    savedList.addEventListener("click", (event) => {
      const button = event.target instanceof Element ? event.target.closest("button[data-remove]") : null;
      if (button) remove(button.dataset.remove);
    });
    document.getElementById("export-bib").addEventListener("click", () => {
      exportBib().catch((error) => say(`Export failed (${error.message}).`));
    });
    document.getElementById("export-json").addEventListener("click", exportJson);
    const input = document.getElementById("import-json");
    input.addEventListener("change", () => {
      const [file] = input.files;
      input.value = "";
      if (file) importFile(file).catch((error) => say(`Import failed (${error.message}); nothing was changed.`));
    });
    document.getElementById("clear-library").addEventListener("click", () => {
      const count = (load() || []).length;
      if (!count) return;
      const what = count === 1 ? "the saved paper" : `all ${count} saved papers`;
      if (window.confirm(`Remove ${what} from this browser?`) && store([])) say("Removed every saved paper.");
    });
  }

  // --- For you ------------------------------------------------------------

  const forYou = document.getElementById("for-you");
  const forYouList = document.getElementById("for-you-list");
  const forYouStatus = document.getElementById("for-you-status");
  const forYouWindow = document.getElementById("for-you-window");
  let run = 0;

  async function showForYou() {
    const latest = ++run;
    const papers = (load() || []).slice(0, MOST_SAVED);
    if (!papers.length || !window.DigestForYou) {
      forYou.hidden = true;
      return;
    }
    forYou.hidden = false;
    forYouStatus.textContent = "Finding papers like yours…";
    const { windowNumbers, rank, decodeBlock } = window.DigestForYou;
    const index = await fetchJson("library.json");
    const days = forYouWindow.value === "all" ? "all" : Number(forYouWindow.value);
    const numbers = windowNumbers(index, days);
    const blockOf = (n) => Math.floor(n / index.block);
    const blocksOf = (list) => [...new Set(list.map(blockOf))];
    const bytesOf = (block) => fetchBytes(`library/${block}.bin`);
    // The candidates' blocks load while the saved papers are found.
    const [located] = await Promise.all([
      inTurns(papers, (paper) => locate(paper.slug, paper.n).catch(() => null)),
      inTurns(blocksOf(numbers), bytesOf),
    ]);
    const known = papers.flatMap((paper, at) => (located[at] ? [{ ...paper, n: located[at].n }] : []));
    const wanted = blocksOf([...numbers, ...known.map((paper) => paper.n)]);
    const bytes = await inTurns(wanted, bytesOf);
    // The page's own work, measured: reading the blocks, then ranking.
    performance.mark("digest-for-you-rank-start");
    wanted.forEach((block, at) => decoded.has(block) || decoded.set(block, decodeBlock(bytes[at])));
    const vector = (n) => ({ number: n, paper: decoded.get(blockOf(n))[n % index.block] });
    const saved = known.map((paper) => vector(paper.n));
    const ranked = rank(saved, numbers.map(vector), SHOWN);
    performance.measure("digest-for-you-rank", "digest-for-you-rank-start");
    const items = await Promise.all(ranked.map(async ({ number, like }) => {
      const found = await record(number);
      const [title, slug] = found;
      const item = element("li");
      const heading = element("h3", "", "");
      heading.append(paperLink(slug, title));
      const why = element("p", "meta", `${await meta({ record: found })} · like `);
      why.append(paperLink(known[like].slug, known[like].title));
      const button = element("button", "save", "Save");
      button.type = "button";
      button.dataset.save = slug;
      button.dataset.n = String(number);
      item.append(heading, why, button);
      return item;
    }));
    if (latest !== run) return;
    forYouList.replaceChildren(...items);
    forYouStatus.textContent = items.length
      ? ""
      : "No other papers of these days yet; choose more days to see older ones.";
  }

  const refreshForYou = () => {
    if (!forYou) return;
    showForYou().catch((error) => {
      forYouStatus.textContent = `For you is not available (${error.message}).`;
    });
  };
  if (forYouWindow) forYouWindow.addEventListener("change", refreshForYou);

  if (library) window.DigestLibrary.listen(() => showLibrary());
  if (forYou) window.DigestLibrary.listen(refreshForYou);
})();
