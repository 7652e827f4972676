// ESLint for the site's scripts (static/) and the bench's Node script: plain
// modern JavaScript, no framework. Run by .ci/run: npx eslint
"use strict";
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  js.configs.recommended,
  {
    files: ["static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "script",
      // foryou.js also runs in Node (the quality replay), as a CommonJS module.
      globals: { ...globals.browser, module: "readonly" },
    },
    rules: { "no-unused-vars": ["error", { caughtErrors: "none" }], eqeqeq: "error", "no-var": "error", "prefer-const": "error" },
  },
  {
    files: ["bench/**/*.js", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "commonjs", globals: globals.node },
  },
];
