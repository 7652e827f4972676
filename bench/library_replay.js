// The quality replay's browser half, in Node: ranks with static/foryou.js,
// the very file the pages run, over a built site's library data. Reads
// {"site": DIR, "trials": [[saved numbers], ...], "limit": N, "days": 7|"all"}
// as JSON on stdin; writes the ranked numbers of each trial (and each one's
// "like" places) as JSON on stdout, and the time each ranking took.
"use strict";
const fs = require("fs");
const path = require("path");
const { decodeBlock, windowNumbers, rank } = require("../static/foryou.js");

const request = JSON.parse(fs.readFileSync(0, "utf8"));
const entry = JSON.parse(fs.readFileSync(path.join(request.site, "library.json"), "utf8"));
const blocks = new Map();
const paper = (number) => {
  const block = Math.floor(number / entry.block);
  if (!blocks.has(block)) {
    blocks.set(block, decodeBlock(new Uint8Array(fs.readFileSync(path.join(request.site, "library", `${block}.bin`)))));
  }
  return blocks.get(block)[number % entry.block];
};
const window = windowNumbers(entry, request.days);
const candidates = window.map((number) => ({ number, paper: paper(number) }));
const results = request.trials.map((numbers) => {
  const saved = numbers.map((number) => ({ number, paper: paper(number) }));
  const started = process.hrtime.bigint();
  const ranked = rank(saved, candidates, request.limit);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { numbers: ranked.map((r) => r.number), like: ranked.map((r) => r.like), ms };
});
process.stdout.write(JSON.stringify(results));
