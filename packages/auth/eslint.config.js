import base from "@authkit/eslint-config/base";
import { boundaries } from "@authkit/eslint-config/boundaries";

export default [
  ...base,
  ...boundaries("auth"),
  // The core is read function by function: none may outgrow a screen.
  { files: ["src/**/*.ts"], rules: { "max-lines-per-function": ["error", { max: 60 }] } },
];
