import nextPlugin from "@next/eslint-plugin-next";
import reactHooks from "eslint-plugin-react-hooks";

import base from "@authkit/eslint-config/base";
import { boundaries } from "@authkit/eslint-config/boundaries";

export default [
  ...base,
  {
    ignores: [
      "e2e/screenshots/**",
      "e2e-docs/**",
      "test-results/**",
      "playwright-report/**",
      "next-env.d.ts",
    ],
  },
  reactHooks.configs.flat.recommended,
  nextPlugin.configs["core-web-vitals"],
  // Packages by name only; client modules and what they import from stay off the server.
  ...boundaries("web"),
  {
    files: ["e2e/**/*.ts", "playwright.config.ts"],
    rules: {
      // Playwright fixtures take `use` as a callback named like a hook; it is not React's.
      "react-hooks/rules-of-hooks": "off",
    },
  },
];
