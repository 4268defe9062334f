import base from "@acme/eslint-config/base";

export default [...base];
