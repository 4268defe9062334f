import base from "@authkit/eslint-config/base";

export default [...base];
