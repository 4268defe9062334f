import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Shared flat config. Type-aware rules catch the bugs that matter in auth code:
 * floating promises (a revocation write nobody awaited) and unsafe `any` flowing into tokens.
 */
export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      "**/.next/**",
      "**/src/generated/**",
      // packages/api/test/readme-example.test.ts applies the README to a copy of src here.
      "**/.readme-example-*/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/consistent-type-imports": ["warn", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      // Env access belongs to @authkit/config, which parses it once at start-up.
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message: "Read configuration through @authkit/config.",
        },
      ],
    },
  },
  { files: ["**/*.js", "**/*.mjs"], ...tseslint.configs.disableTypeChecked },
  // TypeScript already knows every global; scripts are process entry points and may read env.
  { rules: { "no-undef": "off" } },
  { files: ["**/scripts/**", "**/*.config.*"], rules: { "no-restricted-properties": "off" } },
  // `expect.any(String)` is typed `any` by design; asymmetric matchers are not unsafe data.
  {
    files: ["**/test/**", "**/e2e/**", "**/*.test.ts"],
    rules: { "@typescript-eslint/no-unsafe-assignment": "off" },
  },
);
