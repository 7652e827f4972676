// BibTeX files, made in the browser. The site keeps a paper's entry once, in
// its page's <pre id="bibtex">; a .bib of one paper, of a day, of a topic's
// page or of the reader's saved papers is made here from those pages (only
// the site's own, by relative URLs, so a site under a sub-path works). A
// fetched page is parsed with DOMParser and only its entry's text is read:
// nothing fetched is ever put into this page as HTML. Its helpers (saving a
// file, fetching a few at a time) serve saved.js too.
(() => {
  "use strict";
  const TYPE = "application/x-bibtex";

  /** Saves `text` as the file `name`, from a Blob (no request). */
  function save(name, text, type = TYPE) {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type }));
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  /** The entry on a paper page's HTML, or null when it has none. */
  function entryOf(html) {
    const page = new DOMParser().parseFromString(html, "text/html");
    const pre = page.getElementById("bibtex");
    return pre ? pre.textContent : null;
  }

  /** `work` on every item, a few at a time (a browser refuses thousands of
   *  requests at once: "everything" is 1,600 blocks at 100,000 papers). */
  async function inTurns(items, work, width = 8) {
    const results = new Array(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const at = next++;
        results[at] = await work(items[at]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
    return results;
  }

  /**
   * The entries of the paper pages at `urls`, in their order: per page,
   * `{ entry }`, or `{ error }` saying why not (`gone` when the site no
   * longer has the page).
   */
  function fromPages(urls) {
    return inTurns(urls, async (url) => {
      let response;
      try {
        response = await fetch(url);
      } catch (error) {
        return { error: error.message || "no answer" };
      }
      if (response.status === 404 || response.status === 410) return { error: `HTTP ${response.status}`, gone: true };
      if (!response.ok) return { error: `HTTP ${response.status}` };
      const entry = entryOf(await response.text());
      return entry === null ? { error: "no BibTeX on its page" } : { entry };
    });
  }

  /** Entries as one .bib file: a blank line between them, as each ends in a newline. */
  const joined = (entries) => entries.join("\n");

  window.DigestBibtex = { save, fromPages, joined, inTurns, TYPE };

  // --- The page's own controls (shown only with this script, see style.css) --

  // The site's root: the parent of static/, this script's folder.
  const root = new URL(document.currentScript?.getAttribute("src").replace(/static\/[^/]*$/, "") || "./", window.location.href);
  const papers = new URL("papers/", root).pathname;

  /** The papers this page lists, once each, in the page's order: the links to
   *  their pages in its groups (by topic or by day; not in the curator's
   *  notes), with their titles. */
  function listed() {
    const found = new Map();
    for (const link of document.querySelectorAll("main .group a[href]")) {
      const rest = link.pathname.startsWith(papers) ? link.pathname.slice(papers.length) : "";
      if (/^[a-z0-9-]+\/$/.test(rest) && !found.has(rest)) found.set(rest, { url: link.href, title: link.textContent.trim() });
    }
    return [...found.values()];
  }

  async function saveListed(button, status) {
    const shown = listed();
    status.textContent = `Fetching the BibTeX of ${shown.length} papers…`;
    button.disabled = true;
    try {
      const results = await fromPages(shown.map((paper) => paper.url));
      const entries = results.flatMap((result) => (result.entry === undefined ? [] : [result.entry]));
      const failed = shown.flatMap((paper, at) => (results[at].entry === undefined ? [`“${paper.title}” (${results[at].error})`] : []));
      if (entries.length) save(button.dataset.bib, joined(entries));
      status.textContent = failed.length
        ? `${failed.length} of ${shown.length} papers could not be loaded and ${entries.length ? "are not in the file" : "no file was saved"}: ${failed.join(", ")}.`
        : `Saved the BibTeX of ${entries.length} ${entries.length === 1 ? "paper" : "papers"}.`;
    } finally {
      button.disabled = false;
    }
  }

  /** A button saying `text` that does `click`. */
  function madeButton(className, text, click) {
    const made = Object.assign(document.createElement("button"), { type: "button", className, textContent: text });
    made.addEventListener("click", click);
    return made;
  }

  // A paper's page: its entry's Copy and Download buttons, made here in the
  // empty row under it (whose height style.css keeps: nothing moves), with a
  // status that says what a copy did. Where the clipboard is not allowed,
  // Copy selects the entry for the reader to copy.
  const actions = document.querySelector("#bibtex ~ .cite-actions");
  if (actions) {
    const source = document.getElementById("bibtex");
    const said = Object.assign(document.createElement("span"), { className: "copied" });
    said.setAttribute("role", "status");
    const copy = madeButton("copy", "Copy BibTeX", async () => {
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
    // Its own entry, in a file named after its key.
    const download = madeButton("bib", "Download citation.bib", () => {
      const entry = source.textContent;
      save(`${/^@\w+\{([^,\s]+),/.exec(entry)?.[1] || "citation"}.bib`, entry);
    });
    actions.append(copy, " ", download, " ", said);
  }

  for (const button of document.querySelectorAll("button[data-bib]")) {
    // A listing's file takes a while and can miss papers: said beside it.
    const status = Object.assign(document.createElement("span"), { className: "bib-status" });
    status.setAttribute("role", "status");
    button.after(" ", status);
    button.addEventListener("click", () => {
      saveListed(button, status).catch((error) => {
        status.textContent = `The BibTeX could not be made (${error.message}).`;
      });
    });
  }
})();
