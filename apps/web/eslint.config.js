import nextPlugin from "@next/eslint-plugin-next";
import reactHooks from "eslint-plugin-react-hooks";

import base from "@authkit/eslint-config/base";

export default [
  ...base,
  { ignores: ["e2e/screenshots/**", "test-results/**", "playwright-report/**", "next-env.d.ts"] },
  reactHooks.configs.flat.recommended,
  nextPlugin.configs["core-web-vitals"],
  {
    files: ["e2e/**/*.ts", "playwright.config.ts"],
    rules: {
      // Playwright fixtures take `use` as a callback named like a hook; it is not React's.
      "react-hooks/rules-of-hooks": "off",
    },
  },
];
