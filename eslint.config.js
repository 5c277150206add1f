import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "node_modules/**", "examples/**/result*"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", setTimeout: "readonly", clearTimeout: "readonly", Buffer: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Only src/runner may touch the Actions runtime: everything else goes through that seam.
      "no-restricted-imports": ["error", { patterns: [{ group: ["@actions/*"], message: "Import the Actions runtime only through src/runner." }] }],
    },
  },
  {
    files: ["src/runner/**"],
    rules: { "no-restricted-imports": "off" },
  },
);
