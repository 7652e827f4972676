// In-browser search over the split index that generator/search.py writes:
// search-index.json lists term shards; a query fetches only the shards of its
// words, ranks papers by their numbers alone, then fetches the display data
// of the results it shows. Filters by topic and date (see generator/filters.py)
// fetch a topic's members and, for a date that does not start a year, the
// first paper of each day of its year; without words they list the papers
// they leave, newest first. An author filter fetches the one shard of
// search/authors/ that lists that author's papers. The whole state is in the URL:
// ?q=…&author=<name>&topic=<slug>&topic=…&from=YYYY-MM-DD&to=YYYY-MM-DD&sort=new.
// Results are built from text nodes only, so nothing from the index is ever
// parsed as HTML.
(() => {
  "use strict";
  const form = document.querySelector("form.search-page");
  if (!form) return;
  const input = form.querySelector("input[name=q]");
  const author = form.querySelector("input[name=author]");
  const status = document.getElementById("search-status");
  const list = document.getElementById("results");
  const more = document.getElementById("more-results");
  const topicBoxes = []; // filled in from the index
  const topicsChosen = document.getElementById("topics-chosen");
  const year = document.getElementById("year");
  const from = document.getElementById("from");
  const to = document.getElementById("to");
  const sort = document.getElementById("sort");
  // The site's root: the parent of static/, this script's folder.
  const root = document.currentScript?.getAttribute("src").replace(/static\/[^/]*$/, "") || "./";
  const PAGE = 20;
  const WORD = /[\p{L}\p{N}]+/gu;
  // A word this short is matched whole, not as the start of longer words.
  const MIN_PREFIX = 3;
  // Typing faster than this between keys searches once, when it pauses.
  const TYPING_PAUSE_MS = 250;

  // The same folding as the build's generator/search.py: accents off, lower case.
  const fold = (text) => text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  const words = (text) => fold(text).match(WORD) || [];
  // An author as generator/terms.py's author_key names them.
  const authorKey = (name) => words(name).join("-");
  const shardName = (key) =>
    /^[a-z0-9]+$/.test(key) ? key : "u" + [...key].map((c) => c.codePointAt(0).toString(16)).join("_");

  // The shard keys that generator/search.py front-coded: each item is how
  // many characters (code points) it shares with the key before, in base 36,
  // then the rest.
  function shardKeys(coded) {
    const keys = [];
    let previous = [];
    for (const item of coded ? coded.split(" ") : []) {
      const key = [...previous.slice(0, parseInt(item[0], 36)), ...item.slice(1)];
      keys.push(key.join(""));
      previous = key;
    }
    return keys;
  }

  const cache = new Map();
  const fetchAs = (path, read) => {
    if (!cache.has(path)) {
      cache.set(path, fetch(root + path).then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status} for ${path}`);
        return read(response);
      }));
    }
    return cache.get(path);
  };
  const fetchJson = (path) => fetchAs(path, (response) => response.json());
  const fetchBytes = (path) =>
    fetchAs(path, async (response) => new Uint8Array(await response.arrayBuffer()));

  function decode(postings) {
    const ids = [];
    let previous = 0;
    if (postings) {
      for (const gap of postings.split(",")) {
        previous += parseInt(gap, 36);
        ids.push(previous);
      }
    }
    return ids;
  }

  // The shards that can hold `term` or words starting with it: the one with
  // the longest key that starts the term, and every longer key the term starts
  // (a large shard is split by longer prefixes).
  const longestStarting = (keys, term) => {
    const starting = keys.filter((key) => term.startsWith(key));
    return starting.length ? [starting.reduce((a, b) => (b.length > a.length ? b : a))] : [];
  };
  function shardsFor(index, term) {
    const found = longestStarting(index.shards, term);
    if (term.length >= MIN_PREFIX) {
      found.push(...index.shards.filter((key) => key.length > term.length && key.startsWith(term)));
    }
    return found;
  }

  // For one query word: paper number -> points (10 whole title word, 6 start
  // of a title word, 4 whole word of an author's name, 3 start of one, 2
  // whole abstract word, 1 start of one); `common` is true when an abstract
  // list was left out for being too common.
  async function matchesFor(index, term) {
    const shards = await Promise.all(
      shardsFor(index, term).map((key) => fetchJson(`search/terms/${shardName(key)}.json`)));
    const points = new Map();
    let common = false;
    const add = (ids, value) => {
      for (const id of ids) points.set(id, Math.max(points.get(id) || 0, value));
    };
    for (const shard of shards) {
      for (const [word, [titles, abstracts, authors]] of Object.entries(shard)) {
        const whole = word === term;
        if (!whole && (term.length < MIN_PREFIX || !word.startsWith(term))) continue;
        add(decode(titles), whole ? 10 : 6);
        add(decode(authors), whole ? 4 : 3);
        if (abstracts === null) common = true;
        else add(decode(abstracts), whole ? 2 : 1);
      }
    }
    return { points, common };
  }

  async function rank(index, terms) {
    const perTerm = await Promise.all(terms.map((term) => matchesFor(index, term)));
    // Words that narrow the search; a too-common word only adds points, unless
    // it is all there is.
    const narrowing = perTerm.filter((m) => !m.common);
    const required = narrowing.length ? narrowing : perTerm;
    let candidates = null;
    for (const { points } of required) {
      const ids = [...points.keys()];
      candidates = candidates === null ? new Set(ids) : new Set(ids.filter((id) => candidates.has(id)));
    }
    const scored = [];
    for (const id of candidates || []) {
      let total = 0;
      let inTitle = true;
      let byAuthor = false;
      for (const { points } of perTerm) {
        const got = points.get(id) || 0;
        total += got;
        inTitle = inTitle && got >= 6;
        byAuthor = byAuthor || got === 3 || got === 4;
      }
      scored.push([id, total, inTitle ? "" : byAuthor ? "matched an author" : "matched in the abstract"]);
    }
    // Higher points first, then newer papers (higher numbers).
    scored.sort((a, b) => b[1] - a[1] || b[0] - a[0]);
    return scored;
  }

  // The display records of `ids`, in order, each as soon as it and those
  // before it are in: the blocks are fetched at once, and the first results
  // show without waiting for the last block (a round trip or more sooner
  // when more blocks are asked for than the browser fetches at a time).
  async function* papersFor(index, ids) {
    const blocks = ids.map((id) => fetchJson(`search/papers/${Math.floor(id / index.block_size)}.json`));
    for (const [i, id] of ids.entries()) yield (await blocks[i])[id % index.block_size];
  }

  function highlighted(title, terms) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of title.matchAll(WORD)) {
      const folded = fold(match[0]);
      if (!terms.some((term) => folded === term || (term.length >= MIN_PREFIX && folded.startsWith(term)))) continue;
      fragment.append(document.createTextNode(title.slice(last, match.index)));
      const mark = document.createElement("mark");
      mark.textContent = match[0];
      fragment.append(mark);
      last = match.index + match[0].length;
    }
    fragment.append(document.createTextNode(title.slice(last)));
    return fragment;
  }

  function resultItem(index, id, record, matched, terms) {
    const [title, slug, days, topics, authors] = record;
    const item = document.createElement("li");
    const heading = document.createElement("h2");
    heading.className = "result-title";
    const link = document.createElement("a");
    link.href = `${root}papers/${slug}/`;
    link.append(highlighted(title, terms));
    heading.append(link);
    const meta = document.createElement("p");
    meta.className = "meta";
    const names = topics.map((topic) => (index.topics[topic] || [topic, topic])[1]).join(", ");
    meta.textContent = [days.join(", "), names, matched].filter(Boolean).join(" · ");
    item.append(heading);
    if (authors) {
      const names = document.createElement("p");
      names.className = "authors";
      names.textContent = authors;
      item.append(names);
    }
    // A Save button, which library.js names and keeps in step.
    const save = Object.assign(document.createElement("button"), { type: "button", className: "save", textContent: "Save" });
    save.dataset.save = slug;
    save.dataset.n = String(id);
    save.setAttribute("aria-pressed", "false");
    item.append(meta, save);
    return item;
  }

  let index = null;
  let latest = 0;
  let shown = [];
  let ranked = [];
  let terms = [];

  async function showMore() {
    const run = latest;
    const next = ranked.slice(shown.length, shown.length + PAGE);
    let i = 0;
    for await (const record of papersFor(index, next.map(([id]) => id))) {
      if (run !== latest) return;
      list.append(resultItem(index, next[i][0], record, next[i][2], terms));
      i++;
    }
    shown = ranked.slice(0, shown.length + next.length);
    more.hidden = shown.length >= ranked.length;
  }

  // A checkbox per topic of the index, in the folded list, checked as the URL says.
  function addTopics() {
    const choices = form.querySelector(".choices");
    const chosen = new Set(new URLSearchParams(window.location.search).getAll("topic"));
    for (const [slug, name] of index.topics) {
      const box = Object.assign(document.createElement("input"), { type: "checkbox", name: "topic", value: slug });
      box.checked = chosen.has(slug);
      const label = document.createElement("label");
      label.append(box, ` ${name}`);
      const item = document.createElement("li");
      item.append(label);
      choices.append(item);
      topicBoxes.push(box);
    }
  }

  // The filters as the controls show them.
  const chosenTopics = () => topicBoxes.filter((box) => box.checked).map((box) => box.value);
  const filtered = () =>
    chosenTopics().length > 0 || from.value !== "" || to.value !== "" || authorKey(author.value) !== "";

  // The controls' state as the page's URL, so that a search can be shared.
  function writeUrl() {
    const url = new URL(window.location.href);
    const params = new URLSearchParams();
    if (input.value.trim()) params.set("q", input.value);
    if (author.value.trim()) params.set("author", author.value);
    for (const slug of chosenTopics()) params.append("topic", slug);
    if (from.value) params.set("from", from.value);
    if (to.value) params.set("to", to.value);
    if (sort.value) params.set("sort", sort.value);
    url.search = params.toString();
    window.history.replaceState(null, "", url);
  }

  // The controls set from the page's URL (topics: see addTopics); a value a
  // control cannot take (an unknown topic, a malformed date) is left out.
  function readUrl() {
    const params = new URLSearchParams(window.location.search);
    input.value = params.get("q") || "";
    author.value = params.get("author") || "";
    from.value = /^\d{4}-\d{2}-\d{2}$/.test(params.get("from") || "") ? params.get("from") : "";
    to.value = /^\d{4}-\d{2}-\d{2}$/.test(params.get("to") || "") ? params.get("to") : "";
    sort.value = params.get("sort") === "new" ? "new" : "";
    showFilters();
  }

  // What the year and topics controls say, from the others.
  function showFilters() {
    const first = from.value.slice(0, 4);
    const whole = from.value === `${first}-01-01` && to.value === `${first}-12-31`;
    year.value = whole && [...year.options].some((option) => option.value === first) ? first : "";
    const names = topicBoxes.filter((box) => box.checked).map((box) => box.labels[0].textContent.trim());
    topicsChosen.textContent = names.length ? `: ${names.join(", ")}` : "";
  }

  const nextDay = (iso) => {
    const day = new Date(`${iso}T00:00:00Z`);
    day.setUTCDate(day.getUTCDate() + 1);
    return day.toISOString().slice(0, 10);
  };

  // The number of the first paper that first appeared on `iso` or later
  // (papers are numbered by first day): the entry point's `years` for the
  // first of a year, else the day file of that year ("MMDD" and the first
  // paper's number in base 36, for each day).
  async function startAt(iso) {
    const year = iso.slice(0, 4);
    const later = Object.keys(index.years).filter((y) => y > year).sort();
    const afterYear = later.length ? index.years[later[0]] : index.papers;
    if (!(year in index.years)) return afterYear;
    if (iso.endsWith("-01-01")) return index.years[year];
    const days = await fetchJson(`search/days/${year}.json`);
    const wanted = iso.slice(5, 7) + iso.slice(8, 10);
    const day = days.split(" ").find((item) => item.slice(0, 4) >= wanted);
    return day ? parseInt(day.slice(4), 36) : afterYear;
  }

  // The range of paper numbers the dates leave: [low, high).
  async function numberRange() {
    const [low, high] = await Promise.all([
      from.value ? startAt(from.value) : 0,
      to.value ? startAt(nextDay(to.value)) : index.papers,
    ]);
    return [low, high];
  }

  // Whether each paper number in [low, high) is in any chosen topic, or null
  // for no topic filter: only the pieces of each topic's members that the
  // range spans (see generator/filters.py for their two forms).
  async function topicMembers(low, high) {
    const slugs = chosenTopics();
    if (!slugs.length) return null;
    const member = new Uint8Array(index.papers);
    const size = index.topic_piece;
    const pieces = [];
    for (let piece = Math.floor(low / size); piece * size < high; piece++) {
      pieces.push(...slugs.map((slug) => [piece, fetchBytes(`search/topics/${slug}/${piece}.bin`)]));
    }
    for (const [piece, loading] of pieces) {
      const bytes = await loading;
      const start = piece * size;
      if (bytes[0] === 0) { // a bitmap
        for (let n = 0; n < (bytes.length - 1) * 8; n++) {
          if ((bytes[1 + (n >> 3)] >> (n & 7)) & 1) member[start + n] = 1;
        }
      } else { // gaps, as LEB128 varints
        let number = start, gap = 0, shift = 0;
        for (const byte of bytes.subarray(1)) {
          gap += (byte & 0x7f) * 2 ** shift;
          shift += 7;
          if (byte < 0x80) {
            number += gap;
            member[number] = 1;
            gap = shift = 0;
          }
        }
      }
    }
    return member;
  }

  // The numbers of the papers of the author the filter names, or null for
  // no author filter: the one shard that holds that author, if any does.
  async function authorPapers() {
    const key = authorKey(author.value);
    if (!key) return null;
    const shard = longestStarting(index.authors, key)[0];
    if (shard === undefined) return new Set();
    const names = await fetchJson(`search/authors/${shardName(shard)}.json`);
    return new Set(Object.hasOwn(names, key) ? decode(names[key]) : []);
  }

  // Every paper the filters leave, newest first (no words to rank by).
  function listed(low, high, member, by) {
    const found = [];
    if (by) { // the author's papers alone: fewer than the range, often by far
      for (const id of [...by].sort((a, b) => b - a)) {
        if (id >= low && id < high && (!member || member[id])) found.push([id, 0, ""]);
      }
      return found;
    }
    for (let id = high - 1; id >= low; id--) {
      if (!member || member[id]) found.push([id, 0, ""]);
    }
    return found;
  }

  async function show() {
    writeUrl();
    const run = ++latest;
    const stop = new Set(index.stop_words);
    const wanted = [...new Set(words(input.value))].filter((term) => !stop.has(term));
    if (!wanted.length && !filtered()) {
      list.replaceChildren();
      more.hidden = true;
      status.textContent = `Type to search ${index.papers} papers.`;
      return;
    }
    const ranking = wanted.length ? rank(index, wanted) : [];
    const by = authorPapers();
    const [low, high] = await numberRange();
    const [found, member, byAuthor] = await Promise.all([ranking, topicMembers(low, high), by]);
    if (run !== latest) return; // a newer query is already on its way
    ranked = wanted.length
      ? found.filter(([id]) => id >= low && id < high && (!member || member[id]) && (!byAuthor || byAuthor.has(id)))
      : listed(low, high, member, byAuthor);
    if (sort.value === "new") ranked.sort((a, b) => b[0] - a[0]);
    terms = wanted;
    shown = [];
    const first = ranked.slice(0, PAGE);
    let i = 0;
    for await (const record of papersFor(index, first.map(([id]) => id))) {
      if (run !== latest) return;
      const item = resultItem(index, first[i][0], record, first[i][2], terms);
      if (i++ === 0) list.replaceChildren(item); // the old results stay until then
      else list.append(item);
    }
    if (!first.length) list.replaceChildren();
    shown = first;
    more.hidden = shown.length >= ranked.length;
    status.textContent = ranked.length === 0
      ? "No papers match."
      : ranked.length === 1 ? "1 paper matches." : `${ranked.length} papers match.`;
  }

  const failed = (error) => {
    status.textContent = `Search is not available (${error.message}).`;
  };
  readUrl();
  status.textContent = "Loading the index…";
  fetchJson("search-index.json").then((loaded) => {
    index = { ...loaded, shards: shardKeys(loaded.shards), authors: shardKeys(loaded.authors) };
    addTopics();
    showFilters();
    let pause;
    for (const box of [input, author]) {
      box.addEventListener("input", () => {
        clearTimeout(pause);
        pause = setTimeout(() => show().catch(failed), TYPING_PAUSE_MS);
      });
    }
    const changed = () => {
      showFilters();
      show().catch(failed);
    };
    for (const box of topicBoxes) box.addEventListener("change", changed);
    year.addEventListener("change", () => {
      from.value = year.value ? `${year.value}-01-01` : "";
      to.value = year.value ? `${year.value}-12-31` : "";
      changed();
    });
    for (const control of [from, to, sort]) control.addEventListener("change", changed);
    more.addEventListener("click", () => showMore().catch(failed));
    return show();
  }).catch(failed);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (index) show().catch(failed);
  });
})();
