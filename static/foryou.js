// "For you": which papers of recent days are most like the papers a reader
// saved, from the data generator/site/library_files.py writes. Only pure
// functions, no page and no network: library.js fetches and shows, and the
// quality replay (bench/library.py) runs this same file in Node on a built
// site, so that the figure it prints is the ranking readers get.
//
// The saved papers are one query: the sum of their TF-IDF vectors (each of
// unit length), so that terms several of them share weigh most and no single
// paper dominates. A paper scores the cosine of its vector with that query,
// plus TOPIC_WEIGHT times how much its topics are the saved papers' topics
// (each topic counted 1 where it is a paper's primary topic, SECONDARY
// where it is another of its topics). Topics make the list hold to what the
// reader saves; within them, content orders it. Each paper shown names the
// saved paper whose vector is closest to its own. On the labelled seeds
// (bench/library.py quality) this scores a precision@10 of about 0.79.
((exports) => {
  "use strict";

  const TOPIC_WEIGHT = 0.3;
  const SECONDARY = 0.5;

  /**
   * The papers of one block of library/<n>.bin (see library_files.encode_paper).
   * @param {Uint8Array} bytes
   * @returns {{topics: number[], terms: Map<number, number>}[]} each paper's
   *   topics (primary first) and its terms, as unit-length weights
   */
  function decodeBlock(bytes) {
    let at = 0;
    const varint = () => {
      let value = 0;
      let scale = 1;
      for (;;) {
        const byte = bytes[at++];
        if (byte === undefined) throw new Error("a library block ends early");
        value += (byte & 0x7f) * scale;
        scale *= 128;
        if (byte < 0x80) return value;
      }
    };
    const papers = [];
    while (at < bytes.length) {
      const topics = [];
      for (let count = varint(); count > 0; count--) topics.push(varint());
      const raw = [];
      let term = 0;
      let squares = 0;
      for (let count = varint(); count > 0; count--) {
        term += varint();
        const weight = bytes[at++];
        if (weight === undefined) throw new Error("a library block ends early");
        raw.push([term, weight]);
        squares += weight * weight;
      }
      const norm = Math.sqrt(squares) || 1;
      papers.push({ topics, terms: new Map(raw.map(([id, weight]) => [id, weight / norm])) });
    }
    return papers;
  }

  /**
   * The numbers of the papers of the `days` newest days the entry point
   * lists ("all": every paper): those first listed then, and older ones
   * listed again.
   * @param {{papers: number, days: [string, number|null, number[]][]}} entry
   * @param {number|"all"} days
   * @returns {number[]} ascending
   */
  function windowNumbers(entry, days) {
    if (days === "all") return Array.from({ length: entry.papers }, (_, n) => n);
    const chosen = entry.days.slice(0, days);
    const firsts = chosen.map((day) => day[1]).filter((first) => first !== null);
    const low = firsts.length ? Math.min(...firsts) : entry.papers;
    const numbers = new Set();
    for (const day of chosen) for (const n of day[2]) if (n < low) numbers.add(n);
    for (let n = low; n < entry.papers; n++) numbers.add(n);
    return [...numbers].sort((a, b) => a - b);
  }

  /** @param {Map<number, number>} a @param {Map<number, number>} b */
  function dot(a, b) {
    const [small, large] = a.size <= b.size ? [a, b] : [b, a];
    let sum = 0;
    for (const [id, weight] of small) sum += weight * (large.get(id) || 0);
    return sum;
  }

  /**
   * The `limit` candidates most like the saved papers, best first, each with
   * the place in `saved` of the saved paper it is most like; saved papers
   * are never among them. Ties go to the newer paper (higher number).
   * @param {{number: number, paper: {topics: number[], terms: Map<number, number>}}[]} saved
   * @param {{number: number, paper: {topics: number[], terms: Map<number, number>}}[]} candidates
   * @param {number} limit
   * @returns {{number: number, score: number, like: number}[]}
   */
  function rank(saved, candidates, limit) {
    if (!saved.length) return [];
    const query = new Map();
    const topicWeight = new Map();
    for (const { paper } of saved) {
      for (const [id, weight] of paper.terms) query.set(id, (query.get(id) || 0) + weight);
      paper.topics.forEach((topic, place) => {
        topicWeight.set(topic, (topicWeight.get(topic) || 0) + (place ? SECONDARY : 1) / saved.length);
      });
    }
    let squares = 0;
    for (const weight of query.values()) squares += weight * weight;
    const norm = Math.sqrt(squares) || 1;
    const excluded = new Set(saved.map(({ number }) => number));
    const scored = [];
    for (const { number, paper } of candidates) {
      if (excluded.has(number)) continue;
      let topical = 0;
      paper.topics.forEach((topic, place) => {
        topical += (place ? SECONDARY : 1) * (topicWeight.get(topic) || 0);
      });
      scored.push({ number, paper, score: dot(query, paper.terms) / norm + TOPIC_WEIGHT * topical });
    }
    scored.sort((a, b) => b.score - a.score || b.number - a.number);
    // The reason: the saved paper closest in content; of equals (none
    // sharing a term), the one sharing most topics; then the latest saved.
    const shared = (a, b) => a.topics.filter((topic) => b.topics.includes(topic)).length;
    return scored.slice(0, limit).map(({ number, paper, score }) => {
      let like = 0;
      let best = [-1, -1];
      saved.forEach((one, place) => {
        const found = [dot(one.paper.terms, paper.terms), shared(one.paper, paper)];
        if (found[0] > best[0] || (found[0] === best[0] && found[1] > best[1])) [best, like] = [found, place];
      });
      return { number, score, like };
    });
  }

  Object.assign(exports, { TOPIC_WEIGHT, SECONDARY, decodeBlock, windowNumbers, rank });
})(typeof module === "object" && module.exports ? module.exports : (globalThis.DigestForYou = {}));
